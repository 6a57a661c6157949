"""WINDEV Mobile problems: Android builds, iOS signing, permissions, replication, push."""

from __future__ import annotations

from supportdesk.demo.scenarios.base import Scenario, Wording

ANDROID_GRADLE = Scenario(
    key="android-gradle",
    product="windev-mobile",
    category="bug",
    priority="high",
    tags=("android", "build"),
    en=Wording(
        subject="Android generation fails at the Gradle step",
        body=(
            "The generation of our Android application with WINDEV Mobile {version} fails at "
            "the Gradle step: \"Execution failed for task ':app:compileReleaseJavaWithJavac'. "
            'Could not resolve all files for configuration". It worked last month. We must '
            "publish an update on Google Play before the end of the month."
        ),
        attached="The build log is attached.",
        answer=(
            "The log shows that Gradle runs with a JDK older than the one required by the "
            "Android Gradle plugin of WINDEV Mobile {version}. In the WINDEV Mobile options "
            '("Android" tab), select JDK 17 (install it if needed) and delete the Gradle '
            "cache (the .gradle\\caches folder of your user profile). Then start the "
            "generation again; the first one takes a few minutes while the dependencies are "
            "downloaded."
        ),
    ),
    es=Wording(
        subject="La generación Android falla en la etapa Gradle",
        body=(
            "La generación de nuestra aplicación Android con WINDEV Mobile {version} falla en "
            "la etapa Gradle: \"Execution failed for task ':app:compileReleaseJavaWithJavac'. "
            'Could not resolve all files for configuration". Funcionaba el mes pasado. '
            "Tenemos que publicar una actualización en Google Play antes de fin de mes."
        ),
        attached="Adjunto el registro de la compilación.",
        answer=(
            "El registro muestra que Gradle se ejecuta con un JDK más antiguo que el que "
            "requiere el plugin Android Gradle de WINDEV Mobile {version}. En las opciones de "
            'WINDEV Mobile (pestaña "Android"), seleccione el JDK 17 (instálelo si hace '
            "falta) y borre la caché de Gradle (la carpeta .gradle\\caches de su perfil de "
            "usuario). Después vuelva a lanzar la generación; la primera tarda unos minutos "
            "mientras se descargan las dependencias."
        ),
    ),
    fr=Wording(
        subject="La génération Android échoue à l'étape Gradle",
        body=(
            "La génération de notre application Android avec WINDEV Mobile {version} échoue à "
            "l'étape Gradle : \"Execution failed for task ':app:compileReleaseJavaWithJavac'. "
            'Could not resolve all files for configuration". Cela fonctionnait le mois '
            "dernier. Nous devons publier une mise à jour sur Google Play avant la fin du mois."
        ),
        attached="Le journal de compilation est joint.",
        answer=(
            "Le journal montre que Gradle s'exécute avec un JDK plus ancien que celui exigé "
            "par le plugin Android Gradle de WINDEV Mobile {version}. Dans les options de "
            'WINDEV Mobile (onglet "Android"), sélectionnez le JDK 17 (installez-le si '
            "besoin) et supprimez le cache Gradle (le dossier .gradle\\caches de votre profil "
            "utilisateur). Relancez ensuite la génération ; la première prend quelques minutes "
            "le temps de télécharger les dépendances."
        ),
    ),
    note="JDK 11 still selected in the options; Gradle plugin needs 17.",
    attachment=(
        "gradle_build.log",
        "> Task :app:compileReleaseJavaWithJavac FAILED\n"
        "FAILURE: Build failed with an exception.\n"
        "* What went wrong:\n"
        "Execution failed for task ':app:compileReleaseJavaWithJavac'.\n"
        "> Could not resolve all files for configuration ':app:androidJdkImage'.\n"
        "  Android Gradle plugin requires Java 17 to run. You are currently using Java 11.\n"
        "WINDEV Mobile {version} ({build}), {os}\n",
    ),
)

IOS_SIGNING = Scenario(
    key="ios-signing",
    product="windev-mobile",
    category="question",
    priority="normal",
    tags=("ios", "build"),
    en=Wording(
        subject="iOS: which certificate to sign the application for the App Store?",
        body=(
            "We generated the Xcode project of our application with WINDEV Mobile {version} "
            'and opened it on a Mac. Xcode refuses to archive it: "No signing certificate iOS '
            'Distribution found". Which certificate do we need, and where do we set it?'
        ),
        answer=(
            'To publish on the App Store you need an "Apple Distribution" certificate and an '
            "App Store provisioning profile, both created in your Apple Developer account. The "
            'simplest way is to let Xcode manage them: in the project, "Signing & '
            'Capabilities" tab, check "Automatically manage signing" and choose your team. '
            "The bundle identifier must match the one entered in the iOS generation wizard of "
            "WINDEV Mobile."
        ),
    ),
    es=Wording(
        subject="iOS: ¿qué certificado para firmar la aplicación para el App Store?",
        body=(
            "Hemos generado el proyecto Xcode de nuestra aplicación con WINDEV Mobile "
            '{version} y lo hemos abierto en un Mac. Xcode se niega a archivarlo: "No signing '
            'certificate iOS Distribution found". ¿Qué certificado necesitamos y dónde se '
            "indica?"
        ),
        answer=(
            'Para publicar en el App Store necesita un certificado "Apple Distribution" y un '
            "perfil de aprovisionamiento App Store, ambos creados en su cuenta Apple "
            "Developer. Lo más sencillo es dejar que Xcode los gestione: en el proyecto, "
            'pestaña "Signing & Capabilities", marque "Automatically manage signing" y '
            "elija su equipo. El identificador del paquete debe coincidir con el introducido "
            "en el asistente de generación iOS de WINDEV Mobile."
        ),
    ),
    fr=Wording(
        subject="iOS : quel certificat pour signer l'application pour l'App Store ?",
        body=(
            "Nous avons généré le projet Xcode de notre application avec WINDEV Mobile "
            "{version} et l'avons ouvert sur un Mac. Xcode refuse de l'archiver : \"No signing "
            'certificate iOS Distribution found". Quel certificat faut-il, et où le '
            "renseigner ?"
        ),
        answer=(
            'Pour publier sur l\'App Store, il faut un certificat "Apple Distribution" et un '
            "profil de provisionnement App Store, tous deux créés dans votre compte Apple "
            "Developer. Le plus simple est de laisser Xcode les gérer : dans le projet, onglet "
            '"Signing & Capabilities", cochez "Automatically manage signing" et choisissez '
            "votre équipe. L'identifiant du bundle doit correspondre à celui saisi dans "
            "l'assistant de génération iOS de WINDEV Mobile."
        ),
    ),
    note="Signing question, no product issue. Sent the doc link on iOS deployment.",
)

ANDROID_CAMERA_CRASH = Scenario(
    key="android-camera-crash",
    product="windev-mobile",
    category="crash",
    priority="urgent",
    tags=("android",),
    en=Wording(
        subject="Application crashes on Android {android} when taking a photo",
        body=(
            "Our application closes when the user takes a photo on Android {android} devices "
            '({device}). On Android 12 it works. The logcat shows "SecurityException: '
            'Permission denial: requires android.permission.READ_MEDIA_IMAGES". Our field '
            "technicians cannot attach photos to their intervention reports anymore."
        ),
        attached="The full logcat is attached.",
        answer=(
            "Since Android 13, reading images needs the READ_MEDIA_IMAGES permission instead "
            'of READ_EXTERNAL_STORAGE. In the Android generation wizard, "Permissions" step, '
            "check the permission to read images, and ask for it at run time before starting "
            "the camera. Generate the application again: it then works on Android 13 and "
            "later."
        ),
    ),
    es=Wording(
        subject="La aplicación se cierra en Android {android} al hacer una foto",
        body=(
            "Nuestra aplicación se cierra cuando el usuario hace una foto en dispositivos "
            "Android {android} ({device}). En Android 12 funciona. El logcat muestra "
            '"SecurityException: Permission denial: requires '
            'android.permission.READ_MEDIA_IMAGES". Nuestros técnicos de campo ya no pueden '
            "adjuntar fotos a sus partes de intervención."
        ),
        attached="Adjunto el logcat completo.",
        answer=(
            "Desde Android 13, leer imágenes requiere el permiso READ_MEDIA_IMAGES en lugar "
            "de READ_EXTERNAL_STORAGE. En el asistente de generación Android, etapa "
            '"Permisos", marque el permiso de lectura de imágenes y solicítelo en ejecución '
            "antes de abrir la cámara. Vuelva a generar la aplicación: funcionará en Android "
            "13 y posteriores."
        ),
    ),
    fr=Wording(
        subject="L'application plante sous Android {android} à la prise de photo",
        body=(
            "Notre application se ferme quand l'utilisateur prend une photo sur des appareils "
            "Android {android} ({device}). Sous Android 12, cela fonctionne. Le logcat "
            'affiche "SecurityException: Permission denial: requires '
            'android.permission.READ_MEDIA_IMAGES". Nos techniciens terrain ne peuvent plus '
            "joindre de photos à leurs rapports d'intervention."
        ),
        attached="Le logcat complet est joint.",
        answer=(
            "Depuis Android 13, la lecture des images demande la permission READ_MEDIA_IMAGES "
            "au lieu de READ_EXTERNAL_STORAGE. Dans l'assistant de génération Android, étape "
            '"Permissions", cochez la permission de lecture des images, et demandez-la à '
            "l'exécution avant de lancer l'appareil photo. Régénérez l'application : elle "
            "fonctionne alors sous Android 13 et suivants."
        ),
    ),
    note=(
        "Android 13+ media permission. Checked the customer's generation settings by screen share."
    ),
    attachment=(
        "logcat.txt",
        "E AndroidRuntime: FATAL EXCEPTION: main\n"
        "E AndroidRuntime: java.lang.SecurityException: Permission denial: requires "
        "android.permission.READ_MEDIA_IMAGES\n"
        "E AndroidRuntime:   at fr.pcsoft.wdjava.api.WDAPICamera.lancerAppli\n"
        "I Device: {device}, Android {android}, app built with WINDEV Mobile {version}\n",
    ),
)

REPLICATION_CONFLICTS = Scenario(
    key="replication-conflicts",
    product="windev-mobile",
    category="question",
    priority="normal",
    tags=("hfsql", "replication"),
    en=Wording(
        subject="Universal replication: conflicts when two devices change the same record",
        body=(
            "Our sales representatives use the application offline and synchronise in the "
            "evening with universal replication. When two of them change the same customer, "
            "the last one to synchronise wins and the other change is lost. Can we keep both "
            "or at least be warned?"
        ),
        answer=(
            "Universal replication detects the conflict and, by default, keeps the most recent "
            "change. You can handle conflicts yourself: declare a procedure on the replication "
            'events and, for the "conflict" case, compare '
            "both records and merge the items (for example keep the most recent phone number "
            "and the longest comment), or write the conflict in a table that an office user "
            'reviews. The online help page "Universal replication: conflict management" has '
            "an example."
        ),
    ),
    es=Wording(
        subject="Replicación universal: conflictos al modificar el mismo registro en dos equipos",
        body=(
            "Nuestros comerciales usan la aplicación sin conexión y sincronizan por la noche "
            "con la replicación universal. Cuando dos de ellos modifican el mismo cliente, "
            "gana el último en sincronizar y el otro cambio se pierde. ¿Se pueden conservar "
            "ambos o al menos recibir un aviso?"
        ),
        answer=(
            "La replicación universal detecta el conflicto y, por defecto, conserva el cambio "
            "más reciente. Puede gestionar los conflictos usted mismo: declare un "
            'procedimiento para los eventos de replicación y, en el caso "conflicto", compare '
            "ambos registros y combine los campos (por ejemplo, el teléfono más reciente y el "
            "comentario más largo), o anote el conflicto en una tabla que revise alguien de la "
            'oficina. La página de la ayuda "Replicación universal: gestión de conflictos" '
            "tiene un ejemplo."
        ),
    ),
    fr=Wording(
        subject="Réplication universelle : conflits quand deux appareils modifient une fiche",
        body=(
            "Nos commerciaux utilisent l'application hors connexion et synchronisent le soir "
            "par réplication universelle. Quand deux d'entre eux modifient le même client, le "
            "dernier à synchroniser l'emporte et l'autre modification est perdue. Peut-on "
            "garder les deux, ou au moins être averti ?"
        ),
        answer=(
            "La réplication universelle détecte le conflit et garde par défaut la modification "
            "la plus récente. Vous pouvez gérer les conflits vous-même : déclarez une "
            'procédure sur les événements de réplication et, dans le cas "conflit", comparez '
            "les deux enregistrements et fusionnez les rubriques (par exemple le téléphone le "
            "plus récent et le commentaire le plus long), ou notez le conflit dans une table "
            "qu'une personne du bureau consulte. La page d'aide \"Réplication universelle : "
            'gestion des conflits" contient un exemple.'
        ),
    ),
    note="Design question on conflict handling; pointed to the help page and the example.",
)

PUSH_NOTIFICATIONS = Scenario(
    key="push-notifications",
    product="windev-mobile",
    category="bug",
    priority="high",
    tags=("android", "push"),
    en=Wording(
        subject="Push notifications no longer received on Android",
        body=(
            "Since {weekday}, our Android users no longer receive the push notifications sent "
            "by our server; iOS users still receive them. Nothing changed in the application."
        ),
        answer=(
            "Google has shut down the legacy Firebase Cloud Messaging API: notifications must "
            "now be sent with the HTTP v1 API, which uses a service-account key instead of the "
            "server key. On the server, send the notifications with the service-account JSON "
            "file downloaded from the Firebase console (Project settings > Service accounts); "
            "WINDEV Mobile {version} supports it. The application itself does not change."
        ),
    ),
    es=Wording(
        subject="Ya no llegan las notificaciones push en Android",
        body=(
            "Desde el {weekday}, nuestros usuarios de Android ya no reciben las notificaciones "
            "push que envía nuestro servidor; los de iOS sí. No hemos cambiado nada en la "
            "aplicación."
        ),
        answer=(
            "Google ha cerrado la API heredada de Firebase Cloud Messaging: las notificaciones "
            "deben enviarse ahora con la API HTTP v1, que usa una clave de cuenta de servicio "
            "en lugar de la clave de servidor. En el servidor, envíe las notificaciones con el "
            "archivo JSON de la cuenta de servicio descargado de la consola de Firebase "
            "(Configuración del proyecto > Cuentas de servicio); WINDEV Mobile {version} lo "
            "admite. La aplicación no cambia."
        ),
    ),
    fr=Wording(
        subject="Les notifications push n'arrivent plus sur Android",
        body=(
            "Depuis {weekday}, nos utilisateurs Android ne reçoivent plus les notifications "
            "push envoyées par notre serveur ; les utilisateurs iOS les reçoivent toujours. "
            "Rien n'a changé dans l'application."
        ),
        answer=(
            "Google a arrêté l'ancienne API de Firebase Cloud Messaging : les notifications "
            "doivent maintenant être envoyées par l'API HTTP v1, qui utilise une clé de compte "
            "de service au lieu de la clé serveur. Côté serveur, envoyez les notifications avec "
            "le fichier JSON du compte de service téléchargé depuis la console Firebase "
            "(Paramètres du projet > Comptes de service) ; WINDEV Mobile {version} le gère. "
            "L'application elle-même ne change pas."
        ),
    ),
    note="Legacy FCM API shutdown. Several customers affected this month.",
)

MOBILE_SCENARIOS = (
    ANDROID_GRADLE,
    IOS_SIGNING,
    ANDROID_CAMERA_CRASH,
    REPLICATION_CONFLICTS,
    PUSH_NOTIFICATIONS,
)
