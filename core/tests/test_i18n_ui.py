"""Issue 15: the language switch names each language in itself ("English", "Svenska"), in
either language; and no string the user can see lacks an English translation: every
`{% translate %}`/`{% blocktranslate %}` in a template and every gettext call in the Python
code (messages, PDFs, e-mails, forms, models) has a msgstr in locale/en, the catalogue has no
untranslated or fuzzy entry, and the compiled .mo says what the .po says.

After adding strings: `manage.py makemessages -l en --ignore=node_modules --ignore=benchmarks`,
translate the new entries (no fuzzy guesses), `msgfmt -o locale/en/LC_MESSAGES/django.mo
locale/en/LC_MESSAGES/django.po`."""
import ast
import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.translation.template import templatize

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.mo"
SKIP = {".venv", "node_modules", "benchmarks", "tests", "migrations", ".git"}


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_language_names_in_their_own_language(client, lang):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    html = client.get(reverse("access:login")).content.decode()
    assert '>English</option>' in html and '>Svenska</option>' in html and "Engelska" not in html


def english_catalog(path: Path = MO) -> dict:
    with open(path, "rb") as fh:
        return {k: v for k, v in gettext.GNUTranslations(fh)._catalog.items() if v}


def source_msgids(tmp_path: Path) -> set[str]:
    """The msgids xgettext finds in the templates (through Django's templatize, as makemessages
    does) and in the Python code."""
    files = []
    for path in sorted(ROOT.glob("*/**/*")):
        rel = path.relative_to(ROOT)
        if SKIP & set(rel.parts) or not path.is_file():
            continue
        if path.suffix == ".py":
            files.append(str(path))
        elif path.suffix in (".html", ".txt") and "templates" in rel.parts:
            out = tmp_path / (str(rel).replace("/", "__") + ".py")
            out.write_text(templatize(path.read_text(encoding="utf-8"), origin=str(path)), encoding="utf-8")
            files.append(str(out))
    listing = tmp_path / "files.txt"
    listing.write_text("\n".join(files), encoding="utf-8")
    pot = tmp_path / "out.pot"
    subprocess.run(["xgettext", "-d", "django", "--language=Python", "--from-code=UTF-8", "--no-location",
                    "--keyword=gettext_noop", "--keyword=gettext_lazy", "--keyword=ngettext_lazy:1,2",
                    "--keyword=pgettext:1c,2", "--keyword=npgettext:1c,2,3", "--keyword=pgettext_lazy:1c,2",
                    "--keyword=npgettext_lazy:1c,2,3", "-f", str(listing), "-o", str(pot)], check=True)
    text = subprocess.run(["msgcat", "--no-wrap", str(pot)], capture_output=True, text=True, check=True).stdout
    return {ast.literal_eval(m) for m in re.findall(r'^msgid (".*")$', text, re.M)} - {""}


@pytest.mark.skipif(not shutil.which("xgettext"), reason="GNU gettext (xgettext) is not installed")
def test_every_string_in_templates_and_code_has_an_english_translation(tmp_path):
    found = source_msgids(tmp_path)
    assert "Sökning på personnummer" in found and "Logga in" in found  # the scan finds what it must
    catalog = {k if isinstance(k, str) else k[0] for k in english_catalog()}
    missing = sorted(found - catalog)
    assert not missing, ("strings without an English translation (makemessages -l en, translate, msgfmt):\n"
                         + "\n".join(missing))


def test_the_catalog_has_no_untranslated_or_fuzzy_entry_and_the_mo_is_compiled(tmp_path):
    subprocess.run(["msgfmt", "--check-format", "-o", str(tmp_path / "check.mo"), str(PO)], check=True)
    untranslated = subprocess.run(["msgattrib", "--untranslated", "--no-obsolete", str(PO)],
                                  capture_output=True, text=True, check=True).stdout
    fuzzy = subprocess.run(["msgattrib", "--only-fuzzy", "--no-obsolete", str(PO)],
                           capture_output=True, text=True, check=True).stdout
    strip = re.compile(r'^msgid ""\nmsgstr ""\n(?:".*"\n)*', re.M)  # the header entry
    assert not re.findall(r"^msgid ", strip.sub("", untranslated, count=1), re.M), untranslated[:3000]
    assert not re.findall(r"^msgid ", strip.sub("", fuzzy, count=1), re.M), fuzzy[:3000]
    assert english_catalog(tmp_path / "check.mo") == english_catalog(), "django.mo is stale: run msgfmt"


def test_english_pages_are_english(client, make_user):
    from conftest import login_verified

    c = login_verified(client, make_user("prescriber"))
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = c.get(reverse("core:start")).content.decode()
    assert "Welcome" in html and "Välkommen" not in html and "Logga ut" not in html
