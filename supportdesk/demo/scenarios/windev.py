"""WINDEV problems: the report editor, HFSQL, licences, migration, setups, controls."""

from __future__ import annotations

from supportdesk.demo.scenarios.base import Scenario, Wording

REPORT_EDITOR_CRASH = Scenario(
    key="report-editor-crash",
    product="windev",
    category="crash",
    priority="high",
    tags=("report-editor",),
    en=Wording(
        subject="Report editor crashes when saving a report with a composite label",
        body=(
            "Since we installed WINDEV {version}, the report editor closes without any message "
            "when I save a report that contains a composite label. It happens every time on "
            "{os}, also with a new report. The report was created in version {previous} and "
            "migrated.\n\nWe have to deliver a new invoice layout to a customer this week, so "
            "this is blocking us."
        ),
        attached="The dump file of the crash is attached.",
        answer=(
            "Thank you for the detailed description and the dump. The crash is caused by the "
            "composite label when it is anchored in a break block; it is fixed in the latest "
            "update of WINDEV {version}, available on the download page of our website. "
            "Install it (your projects do not need to be converted), then open the report "
            "again and save it.\n\nIf you cannot install the update right away, remove the "
            "anchoring of the label in the block, save, and set it again after the update."
        ),
    ),
    es=Wording(
        subject="El editor de informes se cierra al guardar un informe con una etiqueta compuesta",
        body=(
            "Desde que instalamos WINDEV {version}, el editor de informes se cierra sin ningún "
            "mensaje cuando guardo un informe que contiene una etiqueta compuesta. Ocurre "
            "siempre en {os}, también con un informe nuevo. El informe se creó con la versión "
            "{previous} y se migró.\n\nTenemos que entregar un nuevo modelo de factura a un "
            "cliente esta semana, así que nos bloquea."
        ),
        attached="Adjunto el archivo de volcado del cierre.",
        answer=(
            "Gracias por la descripción detallada y el volcado. El cierre lo provoca la "
            "etiqueta compuesta cuando está anclada en un bloque de ruptura; está corregido en "
            "la última actualización de WINDEV {version}, disponible en la página de descargas "
            "de nuestro sitio. Instálela (no es necesario convertir sus proyectos), vuelva a "
            "abrir el informe y guárdelo.\n\nSi no puede instalar la actualización enseguida, "
            "quite el anclaje de la etiqueta en el bloque, guarde y vuelva a anclarla después."
        ),
    ),
    fr=Wording(
        subject="L'éditeur d'états se ferme à l'enregistrement d'un état avec un libellé composé",
        body=(
            "Depuis l'installation de WINDEV {version}, l'éditeur d'états se ferme sans message "
            "quand j'enregistre un état qui contient un libellé composé. Cela arrive à chaque "
            "fois sous {os}, y compris sur un état neuf. L'état a été créé en version "
            "{previous} puis migré.\n\nNous devons livrer une nouvelle maquette de facture à "
            "un client cette semaine, c'est donc bloquant."
        ),
        attached="Je joins le fichier de dump du plantage.",
        answer=(
            "Merci pour la description précise et le dump. La fermeture est due au libellé "
            "composé lorsqu'il est ancré dans un bloc de rupture ; c'est corrigé dans la "
            "dernière mise à jour de WINDEV {version}, disponible sur la page de "
            "téléchargement de notre site. Installez-la (vos projets n'ont pas besoin d'être "
            "convertis), puis rouvrez l'état et enregistrez-le.\n\nSi vous ne pouvez pas "
            "installer la mise à jour tout de suite, supprimez l'ancrage du libellé dans le "
            "bloc, enregistrez, et remettez-le après la mise à jour."
        ),
    ),
    note=(
        "Reproduced with the customer's report on a clean VM: the crash is in the anchoring "
        "of break blocks. Known issue, fixed in the latest update."
    ),
    attachment=(
        "report_editor_dump.txt",
        "WINDEV {version} ({build}) - report editor\n"
        "Exception: ACCESS_VIOLATION (0xC0000005)\n"
        "Module: wd{short}etat64.dll\n"
        "Action: save report 'RPT_Invoice' (composite label LIB_Total, block BREAK1)\n"
        "System: {os}\n",
    ),
)

HFSQL_CONNECTION = Scenario(
    key="hfsql-connection",
    product="windev",
    category="bug",
    priority="high",
    tags=("hfsql",),
    en=Wording(
        subject="HFSQL Client/Server: the workstations cannot connect to the server",
        body=(
            "Since this morning our application cannot open its connection to the HFSQL "
            "server {server} (port {port}) from the users' workstations. HOpenConnection fails "
            'with "Timeout expired while connecting to the server". On the server itself, '
            "the HFSQL Control Center connects without any problem. The only change is a "
            "Windows update on the server last weekend."
        ),
        attached="The connection log is attached.",
        answer=(
            "The symptoms (the Control Center connects locally, the workstations time out) "
            "point to the Windows firewall of the server: the update switched the network "
            'profile to "Public", and the rule created by the HFSQL installer only covers the '
            '"Domain" and "Private" profiles. Check the network profile of the server, or '
            "add an inbound rule for TCP port {port} on every profile.\n\nYou can check from a "
            "workstation with: Test-NetConnection {server} -Port {port}"
        ),
    ),
    es=Wording(
        subject="HFSQL Cliente/Servidor: los puestos no pueden conectarse al servidor",
        body=(
            "Desde esta mañana nuestra aplicación no consigue abrir la conexión con el "
            "servidor HFSQL {server} (puerto {port}) desde los puestos de los usuarios. "
            'HOpenConnection falla con "Tiempo de espera agotado al conectar con el '
            'servidor". En el propio servidor, el Centro de Control HFSQL se conecta sin '
            "problema. El único cambio es una actualización de Windows en el servidor el fin "
            "de semana pasado."
        ),
        attached="Adjunto el registro de la conexión.",
        answer=(
            "Los síntomas (el Centro de Control conecta en local, los puestos agotan el "
            "tiempo de espera) apuntan al cortafuegos de Windows del servidor: la "
            'actualización cambió el perfil de red a "Público", y la regla creada por el '
            'instalador de HFSQL solo cubre los perfiles "Dominio" y "Privado". Compruebe '
            "el perfil de red del servidor o añada una regla de entrada para el puerto TCP "
            "{port} en todos los perfiles.\n\nPuede comprobarlo desde un puesto con: "
            "Test-NetConnection {server} -Port {port}"
        ),
    ),
    fr=Wording(
        subject="HFSQL Client/Serveur : les postes ne se connectent plus au serveur",
        body=(
            "Depuis ce matin, notre application n'arrive plus à ouvrir sa connexion au serveur "
            "HFSQL {server} (port {port}) depuis les postes des utilisateurs. HOuvreConnexion "
            'échoue avec "Délai d\'attente dépassé lors de la connexion au serveur". Sur le '
            "serveur lui-même, le Centre de Contrôle HFSQL se connecte sans problème. Seul "
            "changement : une mise à jour Windows du serveur le week-end dernier."
        ),
        attached="Le journal de connexion est joint.",
        answer=(
            "Les symptômes (le Centre de Contrôle se connecte en local, les postes tombent en "
            "délai dépassé) désignent le pare-feu Windows du serveur : la mise à jour a passé "
            'le profil réseau en "Public", et la règle créée par l\'installation de HFSQL ne '
            'couvre que les profils "Domaine" et "Privé". Vérifiez le profil réseau du '
            "serveur, ou ajoutez une règle entrante pour le port TCP {port} sur tous les "
            "profils.\n\nVous pouvez le vérifier depuis un poste avec : "
            "Test-NetConnection {server} -Port {port}"
        ),
    ),
    note=(
        "Classic case: Windows update reset the network profile to Public, the HFSQL firewall "
        "rule does not cover it. Worth a FAQ entry."
    ),
    attachment=(
        "hfsql_connection.log",
        "HOpenConnection('{server}:{port}', user 'app', database 'GESTION')\n"
        "  -> error 70016: timeout expired while connecting to the server (15000 ms)\n"
        "  client: WINDEV {version} framework {build}, {os}\n"
        "  retry 1/3 ... timeout\n  retry 2/3 ... timeout\n  retry 3/3 ... timeout\n",
    ),
)

HFSQL_SLOW_QUERY = Scenario(
    key="hfsql-slow-query",
    product="windev",
    category="performance",
    priority="normal",
    tags=("hfsql", "performance"),
    en=Wording(
        subject="Query very slow on a table of {records} records",
        body=(
            "A query that lists last month's orders takes more than {seconds} seconds on HFSQL "
            "Client/Server; the ORDERS table has about {records} records. It filters on the "
            "order date and on the customer's country (a join). The same query was instant "
            "last year with less data."
        ),
        attached="I attached the execution plan from the Control Center.",
        answer=(
            "The execution plan shows a full scan of the ORDERS table: the filter on the date "
            "cannot use an index because the date is compared through a function (Left on the "
            "date item). Write the condition directly on the item (OrderDate BETWEEN {{Start}} "
            "AND {{End}}) and add a composite key on (OrderDate, CustomerID). After the change, "
            "recompute the statistics of the table (HStatCalculate): the query should then "
            "take well under a second."
        ),
    ),
    es=Wording(
        subject="Consulta muy lenta en una tabla de {records} registros",
        body=(
            "Una consulta que lista los pedidos del último mes tarda más de {seconds} segundos "
            "en HFSQL Cliente/Servidor; la tabla PEDIDOS tiene unos {records} registros. "
            "Filtra por la fecha del pedido y por el país del cliente (una unión). La misma "
            "consulta era instantánea el año pasado con menos datos."
        ),
        attached="Adjunto el plan de ejecución del Centro de Control.",
        answer=(
            "El plan de ejecución muestra un recorrido completo de la tabla PEDIDOS: el filtro "
            "sobre la fecha no puede usar un índice porque la fecha se compara a través de una "
            "función (Left sobre el campo fecha). Escriba la condición directamente sobre el "
            "campo (FechaPedido BETWEEN {{Inicio}} AND {{Fin}}) y añada una clave compuesta "
            "(FechaPedido, IDCliente). Después, recalcule las estadísticas de la tabla "
            "(HStatCalculate): la consulta debería tardar mucho menos de un segundo."
        ),
    ),
    fr=Wording(
        subject="Requête très lente sur une table de {records} enregistrements",
        body=(
            "Une requête qui liste les commandes du mois dernier prend plus de {seconds} "
            "secondes sur HFSQL Client/Serveur ; la table COMMANDE contient environ {records} "
            "enregistrements. Elle filtre sur la date de commande et sur le pays du client "
            "(une jointure). La même requête était instantanée l'an dernier avec moins de "
            "données."
        ),
        attached="Je joins le plan d'exécution issu du Centre de Contrôle.",
        answer=(
            "Le plan d'exécution montre un parcours complet de la table COMMANDE : le filtre "
            "sur la date ne peut pas utiliser d'index car la date est comparée à travers une "
            "fonction (Gauche sur la rubrique date). Écrivez la condition directement sur la "
            "rubrique (DateCommande BETWEEN {{Début}} AND {{Fin}}) et ajoutez une clé "
            "composée (DateCommande, IDClient). Recalculez ensuite les statistiques de la "
            "table (HCalculeStat) : la requête devrait alors prendre bien moins d'une seconde."
        ),
    ),
    note="Execution plan: full scan on ORDERS + nested loop on CUSTOMER. Composite key advised.",
    attachment=(
        "query_plan.txt",
        "REQ_OrdersLastMonth - execution plan (HFSQL Control Center)\n"
        "1. FULL SCAN ORDERS ({records} rows read)\n"
        "2. NESTED LOOP CUSTOMER by CustomerID\n"
        "3. FILTER Left(OrderDate, 6) = :Month AND CUSTOMER.Country = :Country\n"
        "Duration: {seconds} s\n",
    ),
)

LICENCE_ACTIVATION = Scenario(
    key="licence-activation",
    product="windev",
    category="installation",
    priority="normal",
    tags=("licence",),
    en=Wording(
        subject="Licence activation fails after replacing my computer",
        body=(
            "I replaced my development computer and reinstalled WINDEV {version}. The "
            "activation now fails: the maximum number of activations has been reached for my "
            "licence {serial}. The old computer was wiped and is no longer available."
        ),
        answer=(
            "Your licence {serial} was still activated on the old computer. I have released "
            "that activation on our side: you can now activate WINDEV {version} on the new "
            'computer (menu "?" > "Licence activation", or restart the setup).\n\nNext time, '
            "deactivate the licence from the same menu before wiping a computer."
        ),
    ),
    es=Wording(
        subject="La activación de la licencia falla tras cambiar de ordenador",
        body=(
            "He cambiado mi ordenador de desarrollo y he reinstalado WINDEV {version}. La "
            "activación falla ahora: se ha alcanzado el número máximo de activaciones para mi "
            "licencia {serial}. El ordenador antiguo se formateó y ya no está disponible."
        ),
        answer=(
            "Su licencia {serial} seguía activada en el ordenador antiguo. He liberado esa "
            "activación desde nuestro lado: ya puede activar WINDEV {version} en el ordenador "
            'nuevo (menú "?" > "Activación de la licencia", o relanzando la instalación).'
            "\n\nLa próxima vez, desactive la licencia desde el mismo menú antes de formatear "
            "un ordenador."
        ),
    ),
    fr=Wording(
        subject="Échec de l'activation de la licence après changement de poste",
        body=(
            "J'ai changé de poste de développement et réinstallé WINDEV {version}. "
            "L'activation échoue maintenant : le nombre maximal d'activations est atteint pour "
            "ma licence {serial}. L'ancien poste a été formaté et n'est plus disponible."
        ),
        answer=(
            "Votre licence {serial} était encore activée sur l'ancien poste. J'ai libéré cette "
            "activation de notre côté : vous pouvez maintenant activer WINDEV {version} sur le "
            'nouveau poste (menu "?" > "Activation de la licence", ou en relançant '
            "l'installation).\n\nLa prochaine fois, pensez à désactiver la licence depuis le "
            "même menu avant de formater un poste."
        ),
    ),
    note="Released one activation on serial {serial} (old PC, wiped).",
)

MIGRATION_COMPILE = Scenario(
    key="migration-compile",
    product="windev",
    category="bug",
    priority="normal",
    tags=("migration",),
    en=Wording(
        subject="Compilation errors after migrating a project to version {version}",
        body=(
            "After migrating our main project ({procedures} procedures) from version "
            '{previous} to {version}, the compiler reports 14 "Unknown identifier" errors on '
            "constants declared in a shared component. The component was regenerated in "
            "{version}. The project still compiles fine in {previous}."
        ),
        answer=(
            "The constants of an external component are only visible to a project through "
            "the component's public declarations. After the migration, the project still "
            "references the {previous} .wdi file of the component. In the project explorer, "
            'right-click the component, choose "Update" and select the .wdi generated in '
            '{version}, then use "Recompile the project" (a simple compilation is not '
            "enough)."
        ),
    ),
    es=Wording(
        subject="Errores de compilación tras migrar un proyecto a la versión {version}",
        body=(
            "Tras migrar nuestro proyecto principal ({procedures} procedimientos) de la "
            'versión {previous} a la {version}, el compilador muestra 14 errores "Identificador '
            'desconocido" en constantes declaradas en un componente compartido. El componente '
            "se regeneró en {version}. El proyecto sigue compilando bien en {previous}."
        ),
        answer=(
            "Las constantes de un componente externo solo son visibles para un proyecto a "
            "través de las declaraciones públicas del componente. Tras la migración, el "
            "proyecto sigue haciendo referencia al archivo .wdi de la versión {previous}. En "
            "el explorador del proyecto, haga clic derecho en el componente, elija "
            '"Actualizar" y seleccione el .wdi generado en {version}; después use '
            '"Recompilar el proyecto" (una compilación simple no basta).'
        ),
    ),
    fr=Wording(
        subject="Erreurs de compilation après migration d'un projet en version {version}",
        body=(
            "Après la migration de notre projet principal ({procedures} procédures) de la "
            "version {previous} vers la {version}, le compilateur signale 14 erreurs "
            '"Identifiant inconnu" sur des constantes déclarées dans un composant partagé. Le '
            "composant a été régénéré en {version}. Le projet compile toujours bien en "
            "{previous}."
        ),
        answer=(
            "Les constantes d'un composant externe ne sont visibles d'un projet qu'à travers "
            "les déclarations publiques du composant. Après la migration, le projet référence "
            "encore le fichier .wdi {previous} du composant. Dans l'explorateur de projet, "
            'faites un clic droit sur le composant, choisissez "Mettre à jour" et '
            'sélectionnez le .wdi généré en {version}, puis lancez "Recompiler le projet" '
            "(une simple compilation ne suffit pas)."
        ),
    ),
    note="Stale .wdi reference after migration; third case this month, FAQ candidate.",
)

PDF_FONTS = Scenario(
    key="pdf-fonts",
    product="windev",
    category="bug",
    priority="normal",
    tags=("report-editor", "pdf"),
    en=Wording(
        subject="Accented characters replaced by squares in PDF reports",
        body=(
            "When we print a report to PDF with iDestination(iPDF, ...), the accented "
            "characters (é, ñ, ü) are replaced by squares on some client computers only. On "
            'our development computers the PDF is fine. The report uses the font "Segoe UI '
            'Semibold". Application built with WINDEV {version}.'
        ),
        answer=(
            'On those computers the font is not installed in its "Semibold" variant, so the '
            "PDF is produced with a substitute font without accented glyphs. Either install "
            "the font on the client computers, or embed the fonts in the PDF: call "
            'iParameterPDF with the "embedded fonts" option before iDestination (or check '
            '"Embed the fonts" in the PDF options of the report). Embedding adds a few '
            "hundred KB to each PDF."
        ),
    ),
    es=Wording(
        subject="Caracteres acentuados sustituidos por cuadrados en los informes PDF",
        body=(
            "Cuando imprimimos un informe en PDF con iDestination(iPDF, ...), los caracteres "
            "acentuados (é, ñ, ü) se sustituyen por cuadrados, pero solo en algunos equipos de "
            "clientes. En nuestros equipos de desarrollo el PDF sale bien. El informe usa la "
            'fuente "Segoe UI Semibold". Aplicación generada con WINDEV {version}.'
        ),
        answer=(
            'En esos equipos la fuente no está instalada en su variante "Semibold", así que '
            "el PDF se genera con una fuente de sustitución sin glifos acentuados. Instale la "
            "fuente en los equipos de los clientes o incruste las fuentes en el PDF: llame a "
            "iParameterPDF con la opción de fuentes incrustadas antes de iDestination (o "
            'marque "Incrustar las fuentes" en las opciones PDF del informe). La '
            "incrustación añade unos cientos de KB a cada PDF."
        ),
    ),
    fr=Wording(
        subject="Caractères accentués remplacés par des carrés dans les états PDF",
        body=(
            "Quand nous imprimons un état en PDF avec iDestination(iPDF, ...), les caractères "
            "accentués (é, ñ, ü) sont remplacés par des carrés, sur certains postes clients "
            "seulement. Sur nos postes de développement le PDF est correct. L'état utilise la "
            'police "Segoe UI Semibold". Application générée avec WINDEV {version}.'
        ),
        answer=(
            'Sur ces postes, la police n\'est pas installée dans sa variante "Semibold" : le '
            "PDF est donc produit avec une police de substitution sans glyphes accentués. "
            "Installez la police sur les postes clients, ou incorporez les polices dans le "
            "PDF : appelez iParamètrePDF avec l'option de polices incorporées avant "
            'iDestination (ou cochez "Incorporer les polices" dans les options PDF de '
            "l'état). L'incorporation ajoute quelques centaines de Ko à chaque PDF."
        ),
    ),
    note="Font substitution on PCs without Segoe UI Semibold; embedding fixes it.",
)

SETUP_ACCESS_DENIED = Scenario(
    key="setup-access-denied",
    product="windev",
    category="installation",
    priority="normal",
    tags=("setup",),
    en=Wording(
        subject='Generated setup fails with "Access denied" on Windows Server',
        body=(
            'The setup generated with WINDEV {version} (option "install for all users") stops '
            'at 80% on Windows Server 2022 with "Access denied" while copying the HFSQL files '
            "into the data directory. On Windows 11 workstations it works."
        ),
        answer=(
            "With UAC on, the setup has restricted rights on the data directory when it is "
            "under C:\\Program Files. Choose a data directory outside Program Files in the "
            "setup wizard (for example C:\\ProgramData\\YourCompany\\Data), which we recommend "
            'anyway, or check "Request administrator rights" in the "Advanced" step of the '
            "wizard. Then generate the setup again."
        ),
    ),
    es=Wording(
        subject='La instalación generada falla con "Acceso denegado" en Windows Server',
        body=(
            'La instalación generada con WINDEV {version} (opción "instalar para todos los '
            'usuarios") se detiene al 80 % en Windows Server 2022 con "Acceso denegado" al '
            "copiar los archivos HFSQL en el directorio de datos. En los puestos con Windows 11 "
            "funciona."
        ),
        answer=(
            "Con el UAC activado, la instalación tiene derechos restringidos sobre el "
            "directorio de datos cuando está bajo C:\\Program Files. Elija en el asistente un "
            "directorio de datos fuera de Program Files (por ejemplo "
            "C:\\ProgramData\\SuEmpresa\\Datos), que es lo que recomendamos, o marque "
            '"Solicitar derechos de administrador" en la etapa "Avanzado" del asistente. '
            "Después vuelva a generar la instalación."
        ),
    ),
    fr=Wording(
        subject='L\'installation générée échoue avec "Accès refusé" sous Windows Server',
        body=(
            "L'installation générée avec WINDEV {version} (option \"installer pour tous les "
            'utilisateurs") s\'arrête à 80 % sous Windows Server 2022 avec "Accès refusé" '
            "pendant la copie des fichiers HFSQL dans le répertoire des données. Sur les "
            "postes Windows 11, elle fonctionne."
        ),
        answer=(
            "Avec l'UAC actif, l'installation a des droits restreints sur le répertoire des "
            "données lorsqu'il est sous C:\\Program Files. Choisissez dans l'assistant un "
            "répertoire de données hors de Program Files (par exemple "
            "C:\\ProgramData\\VotreSociété\\Données), ce que nous recommandons de toute façon, "
            'ou cochez "Demander les droits administrateur" dans l\'étape "Avancé" de '
            "l'assistant. Régénérez ensuite l'installation."
        ),
    ),
    note="Data directory under Program Files + UAC. Standard answer.",
)

TABLE_SORT = Scenario(
    key="table-sort",
    product="windev",
    category="question",
    priority="low",
    tags=("table-control",),
    en=Wording(
        subject="How to sort a table control on a calculated column?",
        body=(
            "I have a table control filled by browsing a data file, with a calculated column "
            "(the margin of each product). The users want to sort on this column by clicking "
            "its title, but the sort arrow does not appear for this column."
        ),
        answer=(
            "A column can be sorted by the user only if it is sortable: in the description of "
            'the column, "Details" tab, check "Sortable column". If the table is linked to '
            "the data file, a calculated column cannot be sorted directly: fill the table by "
            "programming (TableAddLine), or base it on a query that computes the margin."
        ),
    ),
    es=Wording(
        subject="¿Cómo ordenar una tabla por una columna calculada?",
        body=(
            "Tengo un control tabla que se llena recorriendo un archivo de datos, con una "
            "columna calculada (el margen de cada producto). Los usuarios quieren ordenar por "
            "esa columna haciendo clic en el título, pero la flecha de ordenación no aparece."
        ),
        answer=(
            "El usuario solo puede ordenar una columna si es ordenable: en la descripción de "
            'la columna, pestaña "Detalle", marque "Columna ordenable". Si la tabla está '
            "enlazada al archivo de datos, una columna calculada no se puede ordenar "
            "directamente: llene la tabla por programación (TableAddLine) o básela en una "
            "consulta que calcule el margen."
        ),
    ),
    fr=Wording(
        subject="Comment trier une table sur une colonne calculée ?",
        body=(
            "J'ai un champ Table rempli par parcours d'un fichier de données, avec une colonne "
            "calculée (la marge de chaque produit). Les utilisateurs veulent trier sur cette "
            "colonne en cliquant sur son titre, mais la flèche de tri n'apparaît pas."
        ),
        answer=(
            "Une colonne n'est triable par l'utilisateur que si elle est déclarée triable : "
            'dans la description de la colonne, onglet "Détail", cochez "Colonne triable". '
            "Si la table est reliée au fichier de données, une colonne calculée ne peut pas "
            "être triée directement : remplissez la table par programmation (TableAjouteLigne) "
            "ou basez-la sur une requête qui calcule la marge."
        ),
    ),
    note="How-to question, pointed to the documentation page on sortable columns too.",
)

DARK_THEME = Scenario(
    key="dark-theme",
    product="windev",
    category="suggestion",
    priority="low",
    tags=("suggestion", "report-editor"),
    en=Wording(
        subject="Suggestion: a dark theme for the report editor",
        body=(
            "The editors of WINDEV {version} support the dark theme, except the report "
            "editor, which stays white. When working late it is tiring to switch between the "
            "two. Could the dark theme be extended to the report editor?"
        ),
        answer=(
            "Thank you for the suggestion. I have passed it on to the development team with "
            "your use case. I cannot give you a date, but suggestions are reviewed for every "
            "new version, and many features come from customers' requests."
        ),
    ),
    es=Wording(
        subject="Sugerencia: un tema oscuro para el editor de informes",
        body=(
            "Los editores de WINDEV {version} admiten el tema oscuro, salvo el editor de "
            "informes, que sigue en blanco. Cuando se trabaja hasta tarde cansa pasar de uno a "
            "otro. ¿Se podría extender el tema oscuro al editor de informes?"
        ),
        answer=(
            "Gracias por la sugerencia. La he transmitido al equipo de desarrollo con su caso "
            "de uso. No puedo darle una fecha, pero las sugerencias se estudian en cada nueva "
            "versión y muchas funcionalidades nacen de peticiones de clientes."
        ),
    ),
    fr=Wording(
        subject="Suggestion : un thème sombre pour l'éditeur d'états",
        body=(
            "Les éditeurs de WINDEV {version} gèrent le thème sombre, sauf l'éditeur d'états "
            "qui reste blanc. En fin de journée, c'est fatigant de passer de l'un à l'autre. "
            "Serait-il possible d'étendre le thème sombre à l'éditeur d'états ?"
        ),
        answer=(
            "Merci pour cette suggestion. Je l'ai transmise à l'équipe de développement avec "
            "votre cas d'usage. Je ne peux pas vous donner de date, mais les suggestions sont "
            "étudiées pour chaque nouvelle version et beaucoup de fonctionnalités viennent des "
            "demandes des clients."
        ),
    ),
    note="Suggestion logged for the report editor team.",
)

HFSQL_BACKUP = Scenario(
    key="hfsql-backup",
    product="windev",
    category="bug",
    priority="high",
    tags=("hfsql", "backup"),
    en=Wording(
        subject="Scheduled HFSQL backup fails every night",
        body=(
            "The scheduled full backup of our HFSQL database has failed every night since "
            '{weekday}. The Control Center shows "Backup failed: the directory is not '
            'accessible". The backup goes to the network share \\\\nas01\\backup\\hfsql. When '
            "I start the same backup by hand from the Control Center, it works."
        ),
        answer=(
            "A backup started by hand runs with your Windows account; a scheduled backup runs "
            "with the account of the HFSQL service (Local System by default), which has no "
            "rights on the network share. Run the HFSQL service under a domain account that "
            "can write to \\\\nas01\\backup, or back up to a local disk of the server and copy "
            "the backup to the NAS with a scheduled task."
        ),
    ),
    es=Wording(
        subject="La copia de seguridad programada de HFSQL falla cada noche",
        body=(
            "La copia de seguridad completa programada de nuestra base HFSQL falla todas las "
            'noches desde el {weekday}. El Centro de Control muestra "Copia fallida: el '
            'directorio no es accesible". La copia se hace en el recurso de red '
            "\\\\nas01\\backup\\hfsql. Si lanzo la misma copia a mano desde el Centro de "
            "Control, funciona."
        ),
        answer=(
            "Una copia lanzada a mano se ejecuta con su cuenta de Windows; una copia "
            "programada se ejecuta con la cuenta del servicio HFSQL (Sistema local por "
            "defecto), que no tiene derechos sobre el recurso de red. Ejecute el servicio "
            "HFSQL con una cuenta de dominio que pueda escribir en \\\\nas01\\backup, o haga la "
            "copia en un disco local del servidor y cópiela al NAS con una tarea programada."
        ),
    ),
    fr=Wording(
        subject="La sauvegarde HFSQL planifiée échoue toutes les nuits",
        body=(
            "La sauvegarde complète planifiée de notre base HFSQL échoue toutes les nuits "
            'depuis {weekday}. Le Centre de Contrôle affiche "Échec de la sauvegarde : le '
            "répertoire n'est pas accessible\". La sauvegarde se fait sur le partage réseau "
            "\\\\nas01\\backup\\hfsql. Si je lance la même sauvegarde à la main depuis le "
            "Centre de Contrôle, elle fonctionne."
        ),
        answer=(
            "Une sauvegarde lancée à la main s'exécute avec votre compte Windows ; une "
            "sauvegarde planifiée s'exécute avec le compte du service HFSQL (Système local par "
            "défaut), qui n'a aucun droit sur le partage réseau. Faites tourner le service "
            "HFSQL sous un compte du domaine autorisé à écrire sur \\\\nas01\\backup, ou "
            "sauvegardez sur un disque local du serveur et copiez la sauvegarde sur le NAS "
            "par une tâche planifiée."
        ),
    ),
    note="Service account (Local System) has no rights on the share. Customer to change it.",
)

WINDEV_SCENARIOS = (
    REPORT_EDITOR_CRASH,
    HFSQL_CONNECTION,
    HFSQL_SLOW_QUERY,
    LICENCE_ACTIVATION,
    MIGRATION_COMPILE,
    PDF_FONTS,
    SETUP_ACCESS_DENIED,
    TABLE_SORT,
    DARK_THEME,
    HFSQL_BACKUP,
)
