//! The SOAP→REST switch (issue 10, CONTRACT §5.4) as the jobs see it: while on SOAP, the
//! capture of what the switch needs from the reads the jobs make anyway (`capture`); at an
//! integration's first REST job, the relink of its SOAP-era state (`relink`), a named step of
//! every REST job (`relink::relink_if_needed`), and the employee links it leaves, which every
//! job reads (`links`), with what it did (`report`). The rules are `domain::identity` and
//! `domain::relink`.

pub mod capture;
pub mod links;
pub mod relink;
pub mod report;
