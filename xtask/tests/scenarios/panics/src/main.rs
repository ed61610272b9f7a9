//! A program that panics at once, as an untouched `todo!()` does.
fn main() {
    panic!("the scenario program gives up at once");
}
