"""WEBDEV problems: sessions behind proxies, deployment, web services, load, browsers."""

from __future__ import annotations

from supportdesk.demo.scenarios.base import Scenario, Wording

AWP_SESSION_PROXY = Scenario(
    key="awp-session-proxy",
    product="webdev",
    category="bug",
    priority="high",
    tags=("awp", "deployment"),
    en=Wording(
        subject="AWP pages: users sent back to the login page behind our reverse proxy",
        body=(
            "Since we put our WEBDEV {version} site behind an nginx reverse proxy with HTTPS, "
            "users are randomly sent back to the login page: the AWP context seems to be lost "
            "between two pages. On the internal address, without the proxy, everything works."
        ),
        answer=(
            "AWP pages keep their context in a cookie tied to the address the site believes it "
            "is served from. Behind the proxy, the site receives requests for "
            "http://{server}/..., while the browser sees the https address, so the cookie is "
            "not sent back. In the WEBDEV Application Server administrator, set the public "
            "address of the site to the https one, and make nginx pass X-Forwarded-Proto and "
            "X-Forwarded-Host. If several servers sit behind the proxy, enable sticky sessions."
        ),
    ),
    es=Wording(
        subject="Páginas AWP: los usuarios vuelven a la página de inicio de sesión tras el proxy",
        body=(
            "Desde que pusimos nuestro sitio WEBDEV {version} detrás de un proxy inverso nginx "
            "con HTTPS, los usuarios vuelven al azar a la página de inicio de sesión: parece que "
            "el contexto AWP se pierde entre dos páginas. En la dirección interna, sin el "
            "proxy, todo funciona."
        ),
        answer=(
            "Las páginas AWP guardan su contexto en una cookie ligada a la dirección desde la "
            "que el sitio cree que se sirve. Tras el proxy, el sitio recibe peticiones para "
            "http://{server}/..., mientras el navegador ve la dirección https, así que la "
            "cookie no se devuelve. En el administrador del Servidor de aplicaciones WEBDEV, "
            "indique como dirección pública del sitio la dirección https y haga que nginx "
            "transmita X-Forwarded-Proto y X-Forwarded-Host. Si hay varios servidores detrás "
            "del proxy, active la afinidad de sesión."
        ),
    ),
    fr=Wording(
        subject="Pages AWP : retour à la page de connexion derrière notre reverse proxy",
        body=(
            "Depuis que notre site WEBDEV {version} est derrière un reverse proxy nginx en "
            "HTTPS, les utilisateurs sont renvoyés au hasard sur la page de connexion : le "
            "contexte AWP semble perdu entre deux pages. Sur l'adresse interne, sans le proxy, "
            "tout fonctionne."
        ),
        answer=(
            "Les pages AWP conservent leur contexte dans un cookie lié à l'adresse sur "
            "laquelle le site pense être servi. Derrière le proxy, le site reçoit des requêtes "
            "pour http://{server}/..., alors que le navigateur voit l'adresse https : le "
            "cookie n'est donc pas renvoyé. Dans l'administrateur du Serveur d'Application "
            "WEBDEV, indiquez l'adresse https comme adresse publique du site, et faites "
            "transmettre par nginx X-Forwarded-Proto et X-Forwarded-Host. Si plusieurs "
            "serveurs sont derrière le proxy, activez l'affinité de session."
        ),
    ),
    note="Cookie domain/scheme mismatch behind TLS-terminating proxy. Sent nginx sample config.",
)

DEPLOYMENT_RESET = Scenario(
    key="deployment-reset",
    product="webdev",
    category="installation",
    priority="normal",
    tags=("deployment",),
    en=Wording(
        subject='Remote deployment of the site stops with "connection reset"',
        body=(
            'The FTP deployment of our site to the hosting server stops with "Error while '
            'sending a file of the res folder: the connection was reset". It always happens '
            "after about {minutes} minutes, in a large folder of images. Smaller updates work."
        ),
        answer=(
            "Your hosting provider closes FTP sessions after a fixed time. Deploy through the "
            "WEBDEV Application Server remote administrator (HTTPS), which resumes an "
            'interrupted transfer, or check "Send only the modified files" in the FTP '
            "deployment options so that the images are not sent again at every update."
        ),
    ),
    es=Wording(
        subject='El despliegue remoto del sitio se detiene con "conexión restablecida"',
        body=(
            "El despliegue por FTP de nuestro sitio en el servidor de alojamiento se detiene "
            'con "Error al enviar un archivo de la carpeta res: se ha restablecido la '
            'conexión". Ocurre siempre al cabo de unos {minutes} minutos, en una carpeta '
            "grande de imágenes. Las actualizaciones pequeñas funcionan."
        ),
        answer=(
            "Su proveedor de alojamiento cierra las sesiones FTP tras un tiempo fijo. "
            "Despliegue a través del administrador remoto del Servidor de aplicaciones WEBDEV "
            '(HTTPS), que reanuda una transferencia interrumpida, o marque "Enviar solo los '
            'archivos modificados" en las opciones del despliegue FTP para no volver a enviar '
            "las imágenes en cada actualización."
        ),
    ),
    fr=Wording(
        subject='Le déploiement distant du site s\'arrête sur "connexion réinitialisée"',
        body=(
            "Le déploiement FTP de notre site sur le serveur d'hébergement s'arrête avec "
            "\"Erreur lors de l'envoi d'un fichier du dossier res : la connexion a été "
            "réinitialisée\". Cela arrive toujours au bout d'environ {minutes} minutes, dans un "
            "gros dossier d'images. Les petites mises à jour passent."
        ),
        answer=(
            "Votre hébergeur coupe les sessions FTP au bout d'un temps fixe. Déployez par "
            "l'administrateur distant du Serveur d'Application WEBDEV (HTTPS), qui reprend un "
            'transfert interrompu, ou cochez "N\'envoyer que les fichiers modifiés" dans les '
            "options du déploiement FTP pour ne pas renvoyer les images à chaque mise à jour."
        ),
    ),
    note="Hosting provider FTP session limit. Recommended remote admin deployment.",
)

REST_UNAUTHORIZED = Scenario(
    key="rest-unauthorized",
    product="webdev",
    category="question",
    priority="normal",
    tags=("webservice",),
    en=Wording(
        subject="RESTSend returns 401 although the token is valid",
        body=(
            "We call a partner's REST API from a WEBDEV {version} page with RESTSend. The same "
            "call with the same bearer token works in Postman, but from WEBDEV we get 401 "
            'Unauthorized. I set the header with req.Header["Authorization"] = "Bearer " + '
            "sToken."
        ),
        answer=(
            "Your code is right. The partner's API answers the first call with a redirection "
            "(from http to https on another host), and the Authorization header is not sent "
            "again after a redirection to another host, for security. Call the final https "
            "address directly and the token will be accepted; the redirection shows in the "
            "headers of the response or in the HTTP debugger."
        ),
    ),
    es=Wording(
        subject="RESTSend devuelve 401 aunque el token es válido",
        body=(
            "Llamamos a la API REST de un socio desde una página WEBDEV {version} con RESTSend. "
            "La misma llamada con el mismo token bearer funciona en Postman, pero desde WEBDEV "
            'recibimos 401 Unauthorized. Pongo la cabecera con req.Header["Authorization"] = '
            '"Bearer " + sToken.'
        ),
        answer=(
            "Su código es correcto. La API del socio responde a la primera llamada con una "
            "redirección (de http a https en otro host), y la cabecera Authorization no se "
            "vuelve a enviar tras una redirección a otro host, por seguridad. Llame "
            "directamente a la dirección https final y el token será aceptado; la redirección "
            "se ve en las cabeceras de la respuesta o en el depurador HTTP."
        ),
    ),
    fr=Wording(
        subject="RESTEnvoie renvoie 401 alors que le jeton est valide",
        body=(
            "Nous appelons l'API REST d'un partenaire depuis une page WEBDEV {version} avec "
            "RESTEnvoie. Le même appel avec le même jeton bearer fonctionne dans Postman, mais "
            "depuis WEBDEV nous obtenons 401 Unauthorized. Je renseigne l'en-tête avec "
            'req.Entête["Authorization"] = "Bearer " + sJeton.'
        ),
        answer=(
            "Votre code est correct. L'API du partenaire répond au premier appel par une "
            "redirection (de http vers https sur un autre hôte), et l'en-tête Authorization "
            "n'est pas renvoyé après une redirection vers un autre hôte, par sécurité. Appelez "
            "directement l'adresse https finale et le jeton sera accepté ; la redirection est "
            "visible dans les en-têtes de la réponse ou dans le débogueur HTTP."
        ),
    ),
    note="Authorization header dropped on cross-host redirect. Working as designed.",
)

SITE_SLOW_UNDER_LOAD = Scenario(
    key="site-slow-under-load",
    product="webdev",
    category="performance",
    priority="high",
    tags=("performance",),
    en=Wording(
        subject="Site very slow at peak time (about {users} users)",
        body=(
            "Our WEBDEV site becomes very slow at peak time around {hour}, with about {users} "
            "simultaneous users: pages take 10 to 20 seconds. The CPU of the server stays "
            "around 30%. Is there a setting that limits the number of sessions?"
        ),
        answer=(
            "With a low CPU and long response times, the requests are waiting in a queue: the "
            "maximum number of simultaneous connections of the site is probably reached. In "
            'the WEBDEV Application Server administrator ("Sites" tab), raise the maximum '
            "number of connections and of pre-launched sessions to match {users} users, and "
            "release inactive sessions sooner (10 minutes instead of 60). Then look at the "
            "slowest pages with the performance profiler: a long query in a page holds its "
            "session for its whole duration."
        ),
    ),
    es=Wording(
        subject="Sitio muy lento en horas punta (unos {users} usuarios)",
        body=(
            "Nuestro sitio WEBDEV se vuelve muy lento en horas punta, hacia las {hour}, con "
            "unos {users} usuarios simultáneos: las páginas tardan de 10 a 20 segundos. La CPU "
            "del servidor se queda en torno al 30 %. ¿Hay algún parámetro que limite el número "
            "de sesiones?"
        ),
        answer=(
            "Con poca CPU y tiempos de respuesta largos, las peticiones esperan en una cola: "
            "probablemente se alcanza el número máximo de conexiones simultáneas del sitio. En "
            'el administrador del Servidor de aplicaciones WEBDEV (pestaña "Sitios"), aumente '
            "el número máximo de conexiones y de sesiones prelanzadas para {users} usuarios, y "
            "libere antes las sesiones inactivas (10 minutos en lugar de 60). Después revise "
            "las páginas más lentas con el analizador de rendimiento: una consulta larga en "
            "una página ocupa su sesión todo ese tiempo."
        ),
    ),
    fr=Wording(
        subject="Site très lent aux heures de pointe (environ {users} utilisateurs)",
        body=(
            "Notre site WEBDEV devient très lent aux heures de pointe, vers {hour}, avec "
            "environ {users} utilisateurs simultanés : les pages mettent 10 à 20 secondes. Le "
            "processeur du serveur reste vers 30 %. Existe-t-il un réglage qui limite le nombre "
            "de sessions ?"
        ),
        answer=(
            "Avec un processeur peu chargé et des temps de réponse longs, les requêtes "
            "attendent dans une file : le nombre maximal de connexions simultanées du site est "
            "sans doute atteint. Dans l'administrateur du Serveur d'Application WEBDEV (onglet "
            '"Sites"), augmentez le nombre maximal de connexions et de sessions prélancées '
            "pour {users} utilisateurs, et libérez plus tôt les sessions inactives (10 minutes "
            "au lieu de 60). Examinez ensuite les pages les plus lentes avec l'analyseur de "
            "performances : une requête longue dans une page occupe sa session tout ce temps."
        ),
    ),
    note="Connection limit reached (queueing). Asked for the profiler export of the slow pages.",
)

SAFARI_COMBO = Scenario(
    key="safari-combo",
    product="webdev",
    category="bug",
    priority="normal",
    tags=("browser",),
    en=Wording(
        subject="Combo box does not open in Safari on iPhone",
        body=(
            "On our WEBDEV site, a combo box in a popup does not open in Safari on iPhone "
            "(iOS 18). It works in Chrome, and in Safari on a Mac. The site was generated with "
            "WEBDEV {version}."
        ),
        answer=(
            "Safari on iOS gives the first tap to the opening animation of popups that use "
            "fixed positioning. The latest update of WEBDEV {version} changes the code "
            "generated for popups to avoid it: install it, regenerate the site and deploy it "
            "again (clear the cache of Safari on the iPhone before testing)."
        ),
    ),
    es=Wording(
        subject="El combo no se abre en Safari en el iPhone",
        body=(
            "En nuestro sitio WEBDEV, un combo dentro de una ventana emergente no se abre en "
            "Safari en el iPhone (iOS 18). Funciona en Chrome y en Safari en un Mac. El sitio "
            "se generó con WEBDEV {version}."
        ),
        answer=(
            "Safari en iOS asigna el primer toque a la animación de apertura de las ventanas "
            "emergentes con posicionamiento fijo. La última actualización de WEBDEV {version} "
            "cambia el código generado para las ventanas emergentes para evitarlo: instálela, "
            "regenere el sitio y vuelva a desplegarlo (vacíe la caché de Safari en el iPhone "
            "antes de probar)."
        ),
    ),
    fr=Wording(
        subject="La combo ne s'ouvre pas dans Safari sur iPhone",
        body=(
            "Sur notre site WEBDEV, une combo placée dans une popup ne s'ouvre pas dans Safari "
            "sur iPhone (iOS 18). Cela fonctionne dans Chrome, et dans Safari sur Mac. Le site "
            "a été généré avec WEBDEV {version}."
        ),
        answer=(
            "Safari sur iOS attribue le premier appui à l'animation d'ouverture des popups en "
            "position fixe. La dernière mise à jour de WEBDEV {version} modifie le code généré "
            "pour les popups afin de l'éviter : installez-la, régénérez le site et "
            "redéployez-le (videz le cache de Safari sur l'iPhone avant de tester)."
        ),
    ),
    note="Known iOS Safari popup issue, fixed in the latest update.",
)

WEBDEV_SCENARIOS = (
    AWP_SESSION_PROXY,
    DEPLOYMENT_RESET,
    REST_UNAUTHORIZED,
    SITE_SLOW_UNDER_LOAD,
    SAFARI_COMBO,
)
