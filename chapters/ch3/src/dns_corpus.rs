//! Seeded DNS messages for ch3-9's differential test and the chapter's DNS fuzzers:
//! valid messages built with hickory-proto, mutations of them, and the classic hostile
//! packets (pointer loops, pointers past the end, long labels, counts that lie).
//! (Stub: the corpus helper fills it in; the signatures are the contract.)

/// A valid DNS message, varied by `rng`: queries and responses, every section, the
/// record types the course teaches, names compressed as hickory writes them.
pub fn message(rng: &mut fastrand::Rng) -> Vec<u8> {
    let _ = rng;
    todo!("the corpus helper writes this")
}

/// `bytes` changed the way a broken or hostile peer changes a message: flipped bits,
/// cut short, counts raised, pointers aimed anywhere.
pub fn mutate(rng: &mut fastrand::Rng, bytes: &[u8]) -> Vec<u8> {
    let _ = (rng, bytes);
    todo!("the corpus helper writes this")
}
