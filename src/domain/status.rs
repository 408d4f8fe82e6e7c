//! The one status vocabulary: GeoReport's `open`/`closed`, derived from whatever a city says.

use std::collections::HashSet;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::text::normalize;

/// Normalized request status, as the GeoReport v2 spec defines it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Still being worked on (or not yet looked at).
    Open,
    /// Finished, whatever the outcome.
    Closed,
}

/// Raw status words that mean the request is finished, as cities write them; they are compared
/// folded (see [`fold`]), so case, accents and the Greek tonos do not matter. Cities use the
/// spec's `closed`, FixMyStreet's extended set (field guide §3), 6Aika's `done`, Accela-style
/// words, and the word for "closed" or "resolved" in their own language (Mark-a-Spot and
/// Klarschiff in Germany, 6Aika in Finland, CitySDK in Lamía, Lisboa and Zaragoza: §5).
/// Words that also mean something unfinished are left out (Swedish `klar`, "ready"; `löst`,
/// which folds to English `lost`).
const CLOSED_WORDS: &[&str] = &[
    // English, FixMyStreet, Accela, SeeClickFix.
    "closed",
    "fixed",
    "done",
    "resolved",
    "solved",
    "completed",
    "complete",
    "finished",
    "duplicate",
    "cancelled",
    "canceled",
    "rejected",
    "withdrawn",
    "invalid",
    "archived",
    "not_councils_responsibility",
    "no_further_action",
    "internal_referral",
    "unable_to_fix",
    "wont_fix",
    // German.
    "erledigt",
    "abgeschlossen",
    "geschlossen",
    "gelöst",
    "behoben",
    "archiviert",
    "abgelehnt",
    // Finnish.
    "suljettu",
    "valmis",
    "käsitelty",
    "ratkaistu",
    // Estonian.
    "suletud",
    "lahendatud",
    // French.
    "fermé",
    "résolu",
    "clos",
    "clôturé",
    "terminé",
    // Spanish.
    "cerrado",
    "cerrada",
    "resuelto",
    "resuelta",
    "finalizado",
    "finalizada",
    // Portuguese.
    "fechado",
    "fechada",
    "resolvido",
    "resolvida",
    "concluído",
    "concluída",
    // Italian.
    "chiuso",
    "chiusa",
    "risolto",
    "risolta",
    "completato",
    // Dutch.
    "gesloten",
    "opgelost",
    "afgehandeld",
    "afgerond",
    // Norwegian and Danish.
    "lukket",
    "avsluttet",
    "afsluttet",
    "ferdig",
    // Swedish.
    "stängd",
    "stängt",
    "avslutad",
    "åtgärdad",
    // Polish.
    "zamknięte",
    "zamknięty",
    "zamknięta",
    "rozwiązane",
    "załatwione",
    // Czech.
    "uzavřeno",
    "uzavřený",
    "vyřešeno",
    "vyřízeno",
    // Greek.
    "κλειστό",
    "κλειστή",
    "κλειστά",
    "επιλύθηκε",
    "ολοκληρώθηκε",
    "ολοκληρωμένο",
];

/// The closed words, folded, for lookups.
static CLOSED: LazyLock<HashSet<String>> = LazyLock::new(|| CLOSED_WORDS.iter().map(|w| fold(w)).collect());

/// A status word reduced for comparison: [`normalize`]d (lowercase, accents and the Greek
/// tonos folded, punctuation as spaces), apostrophes dropped first (`won't`), words joined by
/// `_`.
fn fold(raw: &str) -> String {
    normalize(&raw.replace(['\'', '\u{2019}'], "")).replace(' ', "_")
}

impl Status {
    /// Normalizes a city's raw status. Unknown words count as open: a request is only
    /// closed when the city says so in a word we recognise. A status is closed when, folded,
    /// it is a closed word, starts with `closed` or `fixed` (`Closed - Duplicate`, `fixed -
    /// council`), or its first word is a closed word (`Geschlossen (erledigt)`, `Resolved:
    /// crew sent`) and no later word reopens it. So `not closed`, `unresolved`, `ei käsitelty`
    /// ("not handled"), `in progress` and `reopened` stay open.
    pub fn from_raw(raw: &str) -> Status {
        let word = fold(raw);
        let closed = CLOSED.contains(&word)
            || ((word.starts_with("closed") || word.starts_with("fixed") || first_word_closed(&word))
                && !word.contains("reopen"));
        if closed { Status::Closed } else { Status::Open }
    }

    /// The spec's spelling: `open` or `closed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Closed => "closed",
        }
    }

    /// Parses the spec's spelling only (for client filters).
    pub fn parse_spec(word: &str) -> Option<Status> {
        match word.trim().to_ascii_lowercase().as_str() {
            "open" => Some(Status::Open),
            "closed" => Some(Status::Closed),
            _ => None,
        }
    }
}

/// Closed words that also close a longer status when they lead it: only the plain words for
/// "closed" and "resolved". Words such as `done`, `invalid` or Finnish `valmis` ("ready") lead
/// unfinished statuses too (`valmis käsiteltäväksi`, "ready for handling").
const LEADING_CLOSED_WORDS: &[&str] = &[
    "closed",
    "resolved",
    "solved",
    "completed",
    "cancelled",
    "canceled",
    "rejected",
    "duplicate",
    "geschlossen",
    "erledigt",
    "abgeschlossen",
    "suljettu",
    "ratkaistu",
    "suletud",
    "fermé",
    "résolu",
    "clos",
    "cerrado",
    "cerrada",
    "resuelto",
    "fechado",
    "fechada",
    "resolvido",
    "chiuso",
    "chiusa",
    "risolto",
    "gesloten",
    "opgelost",
    "lukket",
    "stängd",
    "avslutad",
    "zamknięte",
    "uzavřeno",
    "vyřešeno",
    "κλειστό",
    "κλειστή",
];

static LEADING_CLOSED: LazyLock<HashSet<String>> =
    LazyLock::new(|| LEADING_CLOSED_WORDS.iter().map(|w| fold(w)).collect());

/// Whether the first word of a folded status is one of [`LEADING_CLOSED_WORDS`].
fn first_word_closed(word: &str) -> bool {
    let first = word.split('_').next().unwrap_or_default();
    first.len() < word.len() && LEADING_CLOSED.contains(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_spec_and_extended_words() {
        assert_eq!(Status::from_raw("open"), Status::Open);
        assert_eq!(Status::from_raw("Open"), Status::Open);
        assert_eq!(Status::from_raw("CLOSED"), Status::Closed);
        assert_eq!(Status::from_raw("fixed - council"), Status::Closed);
        assert_eq!(Status::from_raw("in_progress"), Status::Open);
        assert_eq!(Status::from_raw("Valmis käsiteltäväksi"), Status::Open, "ready for handling");
        assert_eq!(Status::from_raw("Invalid address - info needed"), Status::Open);
        assert_eq!(Status::from_raw("Geschlossen (erledigt)"), Status::Closed);
        assert_eq!(Status::from_raw("Received"), Status::Open);
        assert_eq!(Status::from_raw("done"), Status::Closed);
        assert_eq!(Status::from_raw("not councils responsibility"), Status::Closed);
    }

    /// Status words separated by `|`.
    fn words(list: &str) -> impl Iterator<Item = &str> {
        list.split('|')
    }

    #[test]
    fn closed_in_other_languages_and_any_case() {
        let closed = "geschlossen|Geschlossen|GESCHLOSSEN|erledigt|Abgeschlossen|suljettu|Suljettu|valmis|käsitelty|\
             KÄSITELTY|Käsitelty|fermé|FERMÉ|Fermé|ferme|résolu|RÉSOLU|Resolu|cerrado|Cerrado|fechado|\
             Fechado|gesloten|Gesloten|lukket|Lukket|stängd|STÄNGD|Stängd|κλειστό|Κλειστό|ΚΛΕΙΣΤΌ|ΚΛΕΙΣΤΟ|\
             chiuso|risolto|afsluttet|zamknięte|ZAMKNIĘTE|uzavřeno|UZAVŘENO|suletud|completed|cancelled|\
             canceled|archived|Invalid|won't fix|Closed - Duplicate|Geschlossen (erledigt)|\
             Resolved: crew sent|Completed - No Action";
        for word in words(closed) {
            assert_eq!(Status::from_raw(word), Status::Closed, "{word}");
        }
    }

    #[test]
    fn open_ish_words_stay_open() {
        let open = "in progress|In Progress|acknowledged|reopened|reopen|Closed - Reopened|not closed|Not Closed|\
             unresolved|UNRESOLVED|ei käsitelty|offen|in Bearbeitung|avoin|ouvert|abierto|aberto|\
             open - duplicate|action_scheduled|for_triage||  ";
        for word in words(open) {
            assert_eq!(Status::from_raw(word), Status::Open, "{word}");
        }
    }
}
