//! Presenting results: the HTML report (`html`), the terminal summary (`terminal`), and the
//! figures both derive from results.json (`view`).

pub mod html;
pub mod terminal;
pub mod view;
