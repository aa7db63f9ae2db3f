//! The speech programs this crate runs, and what to install when one is missing.

use std::path::Path;

pub(crate) const ESPEAK_NG: &str = "espeak-ng";
pub(crate) const POCKETSPHINX: &str = "pocketsphinx_continuous";
/// Where Debian's pocketsphinx-en-us puts the US English acoustic model, dictionary and
/// language model.
pub(crate) const ENGLISH_ACOUSTIC_MODEL: &str = "/usr/share/pocketsphinx/model/en-us/en-us";
pub(crate) const ENGLISH_DICTIONARY: &str =
    "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict";
pub(crate) const ENGLISH_LANGUAGE_MODEL: &str = "/usr/share/pocketsphinx/model/en-us/en-us.lm.bin";

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MissingSpeech {
    #[error(
        "espeak-ng is not installed: install the Debian package espeak-ng (apt install espeak-ng)"
    )]
    EspeakNg,
    #[error(
        "pocketsphinx_continuous is not installed: apt install pocketsphinx pocketsphinx-en-us"
    )]
    Pocketsphinx,
    #[error("the pocketsphinx English model is missing: apt install pocketsphinx-en-us")]
    EnglishModel,
}

/// Checks that speech synthesis and recognition can run, so that a server can refuse to start
/// with a message that says what to install rather than fail its first call.
pub fn check_installed() -> Result<(), MissingSpeech> {
    if which::which(ESPEAK_NG).is_err() {
        return Err(MissingSpeech::EspeakNg);
    }
    if which::which(POCKETSPHINX).is_err() {
        return Err(MissingSpeech::Pocketsphinx);
    }
    let model_files = [ENGLISH_DICTIONARY, ENGLISH_LANGUAGE_MODEL];
    if !Path::new(ENGLISH_ACOUSTIC_MODEL).is_dir()
        || !model_files.iter().all(|file| Path::new(file).is_file())
    {
        return Err(MissingSpeech::EnglishModel);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_missing_piece_names_its_debian_packages() {
        assert_eq!(
            MissingSpeech::EspeakNg.to_string(),
            "espeak-ng is not installed: install the Debian package espeak-ng (apt install espeak-ng)"
        );
        assert_eq!(
            MissingSpeech::Pocketsphinx.to_string(),
            "pocketsphinx_continuous is not installed: apt install pocketsphinx pocketsphinx-en-us"
        );
        assert_eq!(
            MissingSpeech::EnglishModel.to_string(),
            "the pocketsphinx English model is missing: apt install pocketsphinx-en-us"
        );
    }
}
