//! Text normalization for matching what cities write: service names, groups, keywords and
//! descriptions (the taxonomy's rules) and status words are reduced to lowercase words of
//! letters and digits separated by single spaces, so one spelling covers every way cities
//! write a word (`Cans_Left_Out_24x7`, `StreetLight`,
//! `Straße`, `déneigement`, `Λακκούβα`).
//!
//! Folding: Latin letters lose their accents (`é`→`e`, `ñ`→`n`, `ä`/`ö`/`ü`→`a`/`o`/`u`,
//! `ø`→`o`, `å`→`a`), `ß`→`ss`, `æ`→`ae`, `œ`→`oe`; Greek is lowercased with its tonos and
//! dialytika removed and final `ς` written `σ`. Because German is also typed without umlauts
//! (`Muell`), [`digraphs_folded`] gives a second form with `ae`/`oe`/`ue` → `a`/`o`/`u`, and a
//! rule matches when it matches either form.

/// Lowercase, accent-folded words separated by single spaces. CamelCase is split at each
/// lower→upper step; every character that is not a letter or digit becomes a space.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut previous_lower = false;
    for c in text.chars() {
        if previous_lower && c.is_uppercase() {
            out.push(' ');
        }
        previous_lower = c.is_lowercase();
        for lower in c.to_lowercase() {
            fold(lower, &mut out);
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The German-transliteration form: `ae`, `oe`, `ue` → `a`, `o`, `u`, when any occur.
pub fn digraphs_folded(normalized: &str) -> Option<String> {
    if !["ae", "oe", "ue"].iter().any(|d| normalized.contains(d)) {
        return None;
    }
    Some(normalized.replace("ae", "a").replace("oe", "o").replace("ue", "u"))
}

/// Appends the folded form of one lowercase character.
fn fold(c: char, out: &mut String) {
    let folded = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'č' | 'ĉ' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'ğ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => "i",
        'ł' | 'ľ' | 'ĺ' => "l",
        'ñ' | 'ń' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'œ' => "oe",
        'ř' | 'ŕ' => "r",
        'ß' => "ss",
        'ś' | 'š' | 'ş' | 'ș' => "s",
        'ť' | 'ţ' | 'ț' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => "u",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        'ά' => "α",
        'έ' => "ε",
        'ή' => "η",
        'ί' | 'ϊ' | 'ΐ' => "ι",
        'ό' => "ο",
        'ύ' | 'ϋ' | 'ΰ' => "υ",
        'ώ' => "ω",
        'ς' => "σ",
        // Combining accents (decomposed input) vanish; other marks separate words.
        '\u{0300}'..='\u{036f}' => "",
        c if c.is_alphanumeric() => {
            out.push(c);
            return;
        }
        _ => " ",
    };
    out.push_str(folded);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_accents_case_and_punctuation() {
        assert_eq!(normalize("Cans_Left_Out_24x7"), "cans left out 24x7");
        assert_eq!(normalize("Straßen- und Gehwegschäden"), "strassen und gehwegschaden");
        assert_eq!(normalize("Déneigement"), "deneigement");
        assert_eq!(normalize("Señalización  vial!"), "senalizacion vial");
        assert_eq!(normalize("Søppel/Hærverk"), "soppel haerverk");
        assert_eq!(normalize("Sewage_Back_up Outofsewervent4inch"), "sewage back up outofsewervent4inch");
        assert_eq!(normalize("StreetLightOut"), "street light out");
        assert_eq!(normalize("nid-de-poule, fuite d'eau"), "nid de poule fuite d eau");
        assert_eq!(normalize("De\u{301}chets"), "dechets");
    }

    #[test]
    fn greek_loses_tonos_and_final_sigma() {
        assert_eq!(normalize("Λακκούβα στον δρόμο"), "λακκουβα στον δρομο");
        assert_eq!(normalize("ΦΩΤΙΣΜΌΣ"), "φωτισμοσ");
        assert_eq!(normalize("οδός"), normalize("ΟΔΟΣ"));
        assert_eq!(normalize("Κάδοι απορριμμάτων"), "καδοι απορριμματων");
    }

    #[test]
    fn umlauts_and_their_transliteration_meet() {
        assert_eq!(normalize("Müll"), "mull");
        assert_eq!(digraphs_folded(&normalize("Muell")).as_deref(), Some("mull"));
        assert_eq!(digraphs_folded("pothole"), None);
    }
}
