"""The wizard in Spanish and French: its questions, checks and review in the customer's
language, answers typed in it (oui, sí, toujours, envoyer...) understood; on text streams
and on a real terminal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pexpect
import pytest
from supportdesk_request import collect
from supportdesk_request.checks import document_problems
from supportdesk_request.values import Policy, Similar

from tests.request_tool.test_wizard import (
    answer,
    drive,
    identity,
    question_answers,
    spawn_driver,
)

FRENCH_COMMAND_PROMPT = "Commande (envoyer, modifier CHAMP, retirer N, annuler) : "


def test_a_bug_in_french(tmp_path: Path) -> None:
    big = tmp_path / "trace.log"
    big.write_bytes(b"x" * 2048)
    answers = [
        "2",  # type: bug
        "",  # product code [windev]
        "",  # product version [2026]
        "",  # build
        "L'export PDF perd le pied de page. Aussi, l'éditeur plante",
        "non",  # follow the advice: asked again
        "L'export PDF perd le pied de page",
        "Ouvrir l'état",
        "Exporter en PDF",
        "",
        "Un pied de page sur chaque page",  # expected
        "",  # actual: required for a bug
        "Aucun pied de page",
        "toujours",  # frequency, by its French label
        "",  # error text: none
        "2025",
        "",  # workarounds
        "",  # code extract
        "haute",  # urgency
        "fr",
        str(big),
        "",  # role [journal]
        "oui",  # compress
        "",
        "retirer 2",
        "envoyer",
    ]
    result, output = drive(answers, ui_language="fr", policy=Policy(attachment_max_bytes=1024))
    assert result is not None
    assert document_problems(result) == []
    # The document keeps the format's values, whatever the language of the dialogue.
    assert result["type"] == "bug"
    assert result["frequency"] == "always"
    assert result["urgency"] == "high"
    assert result["subject"] == "L'export PDF perd le pied de page"
    assert result["steps"] == ["Ouvrir l'état", "Exporter en PDF"]
    assert result["_files"] == [{"path": str(big), "role": "log", "compress": True}]
    assert "language" not in result["environment"]
    for text in (
        "Quelques questions sur votre demande : Entrée garde la valeur entre [crochets]",
        "De quel type de demande s'agit-il ?\n  1) question\n  2) bug\n  3) plantage\n",
        "Type (1-6) : Code du produit [windev] : Version du produit [2026] : ",
        "Objet, en une seule ligne : ",
        "  Conseil : cela ressemble à plus d'un incident (« Aussi »)",
        "Garder cette réponse malgré tout ? [O/n] : ",
        "Étapes pour reproduire le problème, une par ligne (une ligne vide termine) :",
        "Ce qui se passe à la place :   ! ce champ est obligatoire\n",
        "À quelle fréquence cela se produit-il (toujours, souvent, parfois, une fois) : ",
        "Urgence (faible, normale, haute, critique) [normale] : ",
        "Rôle de trace.log (capture, journal, dump, projet) [journal] : ",
        "  ! trace.log fait 2048 octets ; le serveur accepte au plus 1024 octets par fichier.",
        "Le compresser avant l'envoi ? [O/n] : ",
        "Votre demande, telle qu'elle sera envoyée",
        "Type : bug\n",
        "Urgence : haute\n",
        "Fréquence : toujours\n",
        f"  - {big} (journal, compressé avant l'envoi)",
        "  [3] environment.memory_mb : 32768 Mo  (Memory)",
        "Secrets masqués : 0 (aucun mot de passe ni jeton trouvé dans les textes).",
        FRENCH_COMMAND_PROMPT,
        "  Retiré [2] environment.language : il ne sera pas envoyé.",
    ):
        assert text in output
    assert "Enter" not in output and "Command (" not in output


def test_a_question_in_spanish_from_the_drafts_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The language the customer wants the answer in beats the locale's."""
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    shot = tmp_path / "pantalla.png"
    shot.write_bytes(b"p" * 2048)

    def similar(document: dict[str, Any]) -> list[Similar]:
        return [Similar("Imprimir en horizontal", "http://kb.example/SD-1", "Use la página.")]

    answers = [
        "1",
        "",
        "",
        "",
        "ab",  # subject too short
        "¿Cómo imprimo un informe en horizontal?",
        "Para un solo informe.",
        ".",
        "",
        "",
        "alta",  # urgency
        "",  # language [es]
        str(shot),
        "",  # role [captura]
        "sí",  # compress
        "",
        "no",  # the similar request does not answer
        "quitar 1",
        "editar urgencia",  # a field named in Spanish
        "crítica",
        "enviar",
    ]
    draft = {**identity(), "language": "es"}
    result, output = drive(
        answers,
        draft=draft,
        ui_language=None,
        find_similar=similar,
        policy=Policy(attachment_max_bytes=1024),
    )
    assert result is not None
    assert result["language"] == "es"
    assert result["urgency"] == "critical"
    assert result["_files"] == [{"path": str(shot), "role": "screenshot", "compress": True}]
    assert "os" not in result["environment"]
    for text in (
        "Unas preguntas sobre su solicitud: Intro conserva el valor entre [corchetes]",
        "  1) pregunta\n",
        "Asunto, en una sola línea:   ! demasiado corto: al menos 3 caracteres\n",
        'Su pregunta o solicitud, completa (termine con una línea que contenga solo "."):',
        "Urgencia (baja, normal, alta, crítica) [normal]: ",
        "Idioma de la respuesta (en, es, fr) [es]: ",
        "¿Comprimirlo antes de enviarlo? [S/n]: ",
        "Solicitudes similares ya respondidas:\n  1. Imprimir en horizontal",
        "¿Alguna de ellas responde a su pregunta? [s/N]: ",
        "Su solicitud, tal como se enviará",
        "Tipo: pregunta\n",
        "Urgencia: alta\n",
        "Urgencia: crítica\n",
        "Comando (enviar, editar CAMPO, quitar N, cancelar): ",
        "  Quitado [1] environment.os: no se enviará.",
    ):
        assert text in output


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ("es", ["(Sistema operativo)", "(Memoria (MB))", "(Disco libre (MB))"]),
        ("fr", ["(Système d'exploitation)", "(Mémoire (Mo))", "(Disque libre (Mo))"]),
        ("en", ["(Operating system)", "(Memory (MB))", "(Free disk (MB))"]),
    ],
)
def test_the_review_labels_what_was_collected_in_the_customers_language(
    language: str, labels: list[str]
) -> None:
    # The tool's own collectors, labelled in English (the version: a default, not listed).
    collected = collect.collect_product({"version": "2026"}) + collect.collect_machine()
    assert {"environment.os", "environment.architecture", "environment.memory_mb"} <= {
        item.key for item in collected
    }
    result, output = drive(
        [*question_answers(), "", "cancel"], collected=collected, ui_language=language
    )
    assert result is None
    review = output.split("[1] environment.os")[1]
    for label in labels:
        assert label in review, label


def test_yes_and_no_in_any_of_the_languages_and_choices_by_number() -> None:
    """Whatever the wizard speaks: "sí" in a French dialogue, "oui" in a Spanish one."""
    answers = ["1", "", "", "", "Export. Also, the installer", "oui", "How?", ".", "", ""]
    answers += ["4", "", "", "send"]  # urgency 4: critical
    result, output = drive(answers)
    assert result is not None
    assert result["subject"] == "Export. Also, the installer"
    assert result["urgency"] == "critical"
    for word in ("s", "sí", "si", "o", "y", "yes", "Oui", "SÍ"):
        _, output = drive(["1", "", "", "", "Export. Also, the installer", word])
        # The subject is kept: the next question comes, not the yes/no one again.
        assert output.count("Keep this answer anyway? [Y/n]: ") == 1
        assert "Please answer y or n." not in output
        assert "Your question or request, in full" in output
    result, output = drive(
        ["1", "", "", "", "Exporte. También, el instalador", "peut-être", "non", "ok"],
        ui_language="es",
    )
    assert "  Responda s (sí) o n (no).\n" in output
    assert output.count("¿Conservar esta respuesta de todos modos? [S/n]: ") == 2


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "fr_FR.UTF-8"}, "Quelques questions sur votre demande"),
        ({"LANG": "es_ES.UTF-8"}, "Unas preguntas sobre su solicitud"),
        ({"LANG": "C"}, "A few questions about your request"),
        ({"LC_ALL": "C.UTF-8", "LANG": "fr_FR.UTF-8"}, "A few questions about your request"),
        ({}, "A few questions about your request"),
    ],
)
def test_without_a_language_the_wizard_speaks_the_locales(
    environ: dict[str, str], expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    result, output = drive([], ui_language=None)
    assert result is None
    assert output.startswith(expected)


def test_a_customer_at_a_terminal_in_french(tmp_path: Path) -> None:
    out = tmp_path / "request.json"
    child = spawn_driver(out, "--similar", language="fr")
    answer(child, "Type (1-6) : ", "crash")
    answer(child, "Code du produit [windev] : ", "")
    answer(child, "Version du produit [2026] : ", "")
    answer(child, "Numéro de build (Entrée pour passer) : ", "")
    answer(child, "Objet, en une seule ligne : ", "L'IDE plante à l'ouverture du projet")
    answer(child, "  1. ", "Ouvrir le projet")
    answer(child, "  2. ", "")
    answer(child, "Comportement attendu : ", "")
    answer(child, "Ce qui se passe à la place : ", "L'IDE se ferme")
    answer(child, "(toujours, souvent, parfois, une fois) : ", "so")  # souvent
    answer(child, "Texte exact de l'erreur, copié", "Erreur 1234 : mot de passe=secret", ".")
    answer(child, "Dernière version qui fonctionnait (Entrée s'il n'y en a pas) : ", "")
    answer(child, "Contournements déjà essayés", "")
    code = [f"ligne {number}" for number in range(1, 33)]
    answer(child, "Extrait de code, au plus 30 lignes", *code, ".")
    child.expect_exact("  ! un extrait de code compte au plus 30 lignes (32 saisies)")
    answer(child, "Extrait de code, au plus 30 lignes", "db.connect(password='s3cret')", ".")
    answer(child, "Urgence (faible, normale, haute, critique) [normale] : ", "")
    answer(child, "Langue de la réponse (en, es, fr) : ", "fr")
    answer(child, "Fichier à joindre (Entrée pour terminer) : ", "")
    child.expect_exact("Demandes similaires ayant déjà reçu une réponse :")
    answer(child, "L'une d'elles répond-elle à votre question ? [o/N] : ", "non")
    child.expect_exact("Votre demande, telle qu'elle sera envoyée")
    child.expect_exact(FRENCH_COMMAND_PROMPT)
    review = child.before
    assert "Type : plantage" in review
    assert "Fréquence : souvent" in review
    assert "Extrait de code (1 ligne) :" in review
    assert "Secrets masqués : 1 (affichés comme ********) dans l'extrait de code." in review
    assert "s3cret" not in review
    child.sendline("modifier urgency")
    answer(child, "Urgence (faible, normale, haute, critique) [normale] : ", "critique")
    child.expect_exact("Urgence : critique")
    answer(child, FRENCH_COMMAND_PROMPT, "envoyer")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    sent = json.loads(out.read_text(encoding="utf-8"))
    assert document_problems(sent) == []
    assert (sent["type"], sent["frequency"], sent["urgency"]) == ("crash", "often", "critical")
    assert sent["steps"] == ["Ouvrir le projet"]
    assert sent["code_extract"] == "db.connect(password='********')"
    assert sent["language"] == "fr"
