//! A student's program with a type error: the grader must show the compiler's message
//! and exit 2 without running any test.
fn main() {
    let port: u16 = "9999";
    println!("listening on 127.0.0.1:{port}");
}
