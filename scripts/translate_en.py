"""Fill English translations into locale/en/LC_MESSAGES/django.po for known msgids (Swedish
msgids are the source; English is the second language). Run after `makemessages -l en`,
then `compilemessages`. Unknown strings stay untranslated and fall back to Swedish."""
import re
import sys
from pathlib import Path

EN = {
    "Användarnamn": "Username", "Lösenord": "Password", "Engångskod": "One-time code",
    "Engångskod från appen": "One-time code from the app",
    "Sex siffror från din autentiseringsapp. Lämna tomt första gången du loggar in.":
        "Six digits from your authenticator app. Leave empty the first time you log in.",
    "Enhet": "Unit", "Roll": "Role", "Region": "Region", "Kommun": "Municipality",
    "Hjälpmedelscentral": "Supply centre", "Förskrivare": "Prescriber", "Beställare": "Orderer",
    "Förrådsansvarig": "Store keeper", "Fakturamottagare": "Invoice viewer",
    "Behörighetsadministratör (kund)": "Access administrator (customer)", "Kundtjänst (HMC)": "Customer service (supply centre)",
    "Tekniker": "Technician", "Chaufför": "Driver", "Sortimentsansvarig": "Assortment manager",
    "Administratör (HMC)": "Administrator (supply centre)", "Granskare (logguttag)": "Auditor (log extracts)",
    "Systemadministratör": "System administrator",
    "Aktivera tvåfaktorsinloggning": "Activate two-factor login",
    "Innan du kan använda Lyfta behöver du koppla en autentiseringsapp (till exempel Microsoft Authenticator eller FreeOTP).":
        "Before you can use Lyfta you need to connect an authenticator app (for example Microsoft Authenticator or FreeOTP).",
    "Skanna QR-koden med appen.": "Scan the QR code with the app.",
    "Ange sedan den sexsiffriga koden som appen visar.": "Then enter the six-digit code the app shows.",
    "Kan du inte skanna? Ange nyckeln manuellt:": "Cannot scan? Enter the key manually:",
    "QR-kod för autentiseringsappen. Ange nyckeln nedan om du inte kan skanna.":
        "QR code for the authenticator app. Enter the key below if you cannot scan.",
    "Aktivera": "Activate", "Avbryt och logga ut": "Cancel and log out", "Logga in": "Log in",
    "Logga ut": "Log out",
    "Inloggning kräver användarnamn, lösenord och en engångskod från en autentiseringsapp (TOTP).":
        "Logging in requires a username, a password and a one-time code from an authenticator app (TOTP).",
    "Behörigheter": "Access rights", "Tilldela roll": "Assign role", "Tilldela": "Assign",
    "Användare med roller": "Users with roles", "Användare": "User", "Åtgärd": "Action",
    "Ta bort": "Remove", "Inga användare har roller ännu.": "No users have roles yet.",
    "Tilldela och ta bort roller vid din organisations enheter. Varje ändring loggas.":
        "Assign and remove roles at your organisation's units. Every change is logged.",
    "Händelselogg": "Event log", "Logguttag per patient": "Log extract per patient", "Logguttag": "Log extracts",
    "Händelse (början)": "Event (prefix)", "Från": "From", "Till": "To", "Filtrera": "Filter",
    "Loggade händelser": "Logged events", "Tid": "Time", "Händelse": "Event", "Objekt": "Object",
    "Inga händelser.": "No events.", "Sidor": "Pages", "Föregående": "Previous", "Nästa": "Next",
    "Patientens personnummer (ÅÅÅÅMMDDNNNN)": "Patient's personal identity number (YYYYMMDDNNNN)",
    "Visa logg": "Show log", "Ladda ner som CSV": "Download as CSV", "Vy": "View", "Syfte": "Purpose",
    "Inga registrerade åtkomster.": "No recorded access.",
    "Start": "Home", "Administration": "Administration", "Hoppa till innehållet": "Skip to content",
    "Huvudmeny": "Main menu", "Språk": "Language", "Byt": "Change", "hjälpmedelsförsörjning": "assistive device supply",
    "Du har inga funktioner tilldelade ännu. Kontakta din behörighetsadministratör.":
        "You have no functions assigned yet. Contact your access administrator.",
    "Hjälpmedel": "Assistive devices", "Patienter": "Patients", "Lager": "Stock", "Meddelanden": "Messages",
    "Orderinkorg": "Order inbox", "Beställningar": "Orders", "Sök": "Search", "Visa": "Show", "Spara": "Save",
    "Avbryt": "Cancel", "Ja": "Yes", "Nej": "No", "Status": "Status", "Patient": "Patient", "Kund": "Customer",
    "Kostnadsställe": "Cost centre", "Artikel": "Article", "Artikelnummer": "Article number", "Pris": "Price",
    "Tillbehör": "Accessories", "Reservdelar": "Spare parts", "Alternativ": "Alternatives",
    "Tillgänglighet": "Availability", "Leverantör": "Supplier", "Individ": "Device", "Individer": "Devices",
    "Utlåningar": "Loans", "Lagerrörelser": "Stock movements", "Telefon": "Phone", "Kontaktperson": "Contact person",
    "Namn": "Name", "Adress": "Address", "Personnummer": "Personal identity number", "Skyddad identitet": "Protected identity",
    "Vistelseadress": "Stay address", "Folkbokföringsadress": "Registered address", "Leveransadress": "Delivery address",
    "Ny patient": "New patient", "Sök hjälpmedel": "Search assistive devices", "Sökresultat": "Search results",
    "Återanvänd finns": "Refurbished available", "Huvudhjälpmedel": "Main device", "Reservdel": "Spare part",
    "Tjänst": "Service", "Hyra per månad": "Monthly rent", "Köp": "Purchase", "Lagerförd": "Stocked",
    "Beställningsvara": "Ordered on demand", "Bruksanvisning": "Instructions for use", "Bild": "Image",
    "Utkast": "Draft", "Skickad": "Submitted", "Bekräftad": "Confirmed", "Levererad": "Delivered",
    "Makulerad": "Cancelled", "Återkallad": "Withdrawn", "Akut": "Urgent", "Normal": "Normal",
    "Typ": "Type", "Leverans": "Delivery",
    "Arbetsordrar": "Work orders", "Hämtordrar": "Pickup orders", "Avvikelser": "Fault reports",
    "Arbetsordrar (HMC)": "Work orders (supply centre)", "Hämtordrar (HMC)": "Pickup orders (supply centre)",
    "Avvikelser (HMC)": "Fault reports (supply centre)", "Rekonditionering": "Refurbishment", "Översikt": "Overview",
    "Mina arbetsordrar": "My work orders", "olästa": "unread", "Hjälpmedelsbild": "Devices of the patient",
    "Ny beställning": "New order", "Skicka beställningen": "Submit the order", "Lägg till": "Add",
    "Tillbehör som passar": "Matching accessories", "Sammanfattning": "Summary",
    "Utlovat leveransdatum": "Promised delivery date", "Planerat leveransdatum": "Planned delivery date",
    "Ordernummer": "Order number", "Skapad": "Created", "Pågående beställningar": "Open orders",
    "Tidigare beställningar": "Past orders", "Hjälpmedel på patienten": "Devices on the patient",
    "Bekräfta": "Confirm", "Försena": "Delay", "Makulera": "Cancel order", "Leverera": "Deliver",
    "Mottagare": "Receiver", "Orsak": "Reason", "Nytt datum": "New date", "Följesedel": "Delivery note",
    "Historik": "History", "oläst meddelande": "unread message", "olästa meddelanden": "unread messages", "Läst": "Read", "Oläst": "Unread", "Markera alla som lästa": "Mark all as read",
}


def fill(po_path: Path) -> int:
    text = po_path.read_text(encoding="utf-8")
    count = 0
    # msgmerge guesses "fuzzy" translations from similar strings; they are wrong more often than
    # not here (e.g. "Logguttag" ≈ "Logga ut"), so drop them and fill only exact known ones.
    text = re.sub(r'^#, fuzzy(?:, [\w-]+)*\n((?:#\|.*\n)*)msgid "(.+)"\nmsgstr ".*"$',
                  lambda m: f'msgid "{m.group(2)}"\nmsgstr ""', text, flags=re.M)

    def repl(m):
        nonlocal count
        msgid, msgstr = m.group(1), m.group(2)
        if msgstr or msgid not in EN:
            return m.group(0)
        count += 1
        return f'msgid "{msgid}"\nmsgstr "{EN[msgid]}"'

    text = re.sub(r'^msgid "(.+)"\nmsgstr "(.*)"$', repl, text, flags=re.M)
    po_path.write_text(text, encoding="utf-8")
    return count


if __name__ == "__main__":
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "locale/en/LC_MESSAGES/django.po")
    print(f"{fill(path)} translations filled")
