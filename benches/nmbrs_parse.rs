//! Parse throughput and peak memory of a 10 000-employee
//! `PersonalInfoContractSalaryAddress_GetAll_AllEmployeesByCompany` response, beside a
//! bare quick-xml event scan of the same bytes (the floor). Plain `harness = false`
//! binary: a counting allocator measures peak heap, `Instant` the time (best of N).
//!
//! Run: `CARGO_TARGET_DIR=/work/target-nmbrs cargo bench --bench nmbrs_parse`

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use nmbrs_worker::nmbrs::soap::envelope::SoapWriter;
use nmbrs_worker::nmbrs::soap::records::Record;
use nmbrs_worker::nmbrs::{EmployeeSnapshot, Operation, soap::reader};
use quick_xml::events::Event;
use rust_decimal::Decimal;

/// Counts live heap bytes and their high-water mark.
struct Counting;

/// Signed: a block allocated before counting started may be freed during the run.
static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);
/// Counting is switched on only for the memory run, so it does not slow the timed runs.
static COUNTING: AtomicBool = AtomicBool::new(false);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() && COUNTING.load(Ordering::Relaxed) {
            let size = layout.size() as isize;
            let live = LIVE.fetch_add(size, Ordering::Relaxed) + size;
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        if COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const EMPLOYEES: usize = 10_000;
const OP: Operation = Operation::PersonalInfoContractSalaryAddressGetAll;

fn response() -> String {
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(0, 0, 0).unwrap();
    let body = SoapWriter::new().envelope(None, |w| {
        let name = format!("{}Response", OP.name());
        w.start(&name, &[("xmlns", OP.service().namespace())]);
        w.start(&format!("{}Result", OP.name()), &[]);
        for i in 0..EMPLOYEES as i32 {
            let e = EmployeeSnapshot {
                employee_id: nmbrs_worker::nmbrs::EmployeeId::int(500_000 + i),
                employee_number: i,
                first_name: Some(format!("Voornaam{i}").into()),
                birthday: Some(date(1980 + i % 30, 1 + (i % 12) as u32, 1 + (i % 28) as u32)),
                prefix: (i % 3 == 0).then(|| "van der".into()),
                last_name: Some(format!("Achternaam & Zn {i}").into()),
                gender: if i % 2 == 0 { "female" } else { "male" }.into(),
                bsn: Some(format!("{:09}", 100_000_000 + i).into()),
                city: Some("Amsterdam".into()),
                email_work: (i % 5 != 0).then(|| format!("medewerker{i}@horeca.example").into()),
                contract_start_date: Some(date(2020, 1, 1)),
                contract_end_date: (i % 7 == 0).then(|| date(2026, 6, 30)),
                email_private: Some(format!("prive{i}@mail.example").into()),
                telephone_mobile_private: Some(format!("06{:08}", i).into()),
                salary_type: Some("Bruto_Uurloon".into()),
                salary_value: Some(Decimal::new(1450 + i as i64 % 500, 2)),
                street: Some("Keizersgracht".into()),
                house_number: Some(format!("{}", i % 900).into()),
                post_code: Some("1015 CJ".into()),
                hourly_wage: Some(Decimal::new(1450 + i as i64 % 500, 2)),
                contract_hours: Some(Decimal::new(3200, 2)),
                ..Default::default()
            };
            w.start("PersonalInfoContractSalaryAddress", &[]);
            e.write(w);
            w.end("PersonalInfoContractSalaryAddress");
        }
        w.end(&format!("{}Result", OP.name()));
        w.end(&name);
    });
    String::from_utf8(body).unwrap()
}

fn parse(xml: &str) -> Vec<EmployeeSnapshot> {
    let listed = reader::read_list(xml, OP.name(), "PersonalInfoContractSalaryAddress").unwrap();
    assert!(listed.unreadable.is_empty());
    listed.items
}

/// The reader's walk (leaf detection, unescaping) without building records.
fn walk_only(xml: &str) -> usize {
    struct Count(usize);
    impl reader::Visitor for Count {
        fn leaf(&mut self, _: usize, _: &str, t: Option<&str>) -> Result<(), String> {
            self.0 += t.map_or(0, str::len);
            Ok(())
        }
    }
    let mut c = Count(0);
    reader::read_response(xml, OP.name(), &mut c).unwrap();
    c.0
}

fn bare_scan(xml: &str) -> usize {
    let mut r = quick_xml::Reader::from_str(xml);
    let mut n = 0;
    loop {
        match r.read_event().unwrap() {
            Event::Eof => return n,
            e => n += black_box(matches!(e, Event::Start(_)) as usize),
        }
    }
}

/// Best wall time of `runs` runs (without dropping the result), and the peak heap held
/// by one run.
fn measure<T>(runs: usize, f: impl Fn() -> T) -> (Duration, usize) {
    // Live bytes are counted from zero inside the run: what the run itself holds at most.
    LIVE.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::Relaxed);
    let result = black_box(f());
    let peak = PEAK.load(Ordering::Relaxed).max(0) as usize;
    COUNTING.store(false, Ordering::Relaxed);
    drop(result);
    let best = (0..runs)
        .map(|_| {
            // Timed: producing the result; freeing it is the consumer's business.
            let t = Instant::now();
            let result = black_box(f());
            let elapsed = t.elapsed();
            drop(result);
            elapsed
        })
        .min()
        .unwrap();
    (best, peak)
}

fn main() {
    let xml = response();
    let mb = xml.len() as f64 / 1e6;
    assert_eq!(parse(&xml).len(), EMPLOYEES);
    let runs = 15;
    let (scan_t, scan_peak) = measure(runs, || bare_scan(&xml));
    let (walk_t, walk_peak) = measure(runs, || walk_only(&xml));
    let (parse_t, parse_peak) = measure(runs, || parse(&xml));
    let row = |name: &str, t: Duration, peak: usize| {
        println!(
            "{name:<22} {:>9.2} ms {:>9.1} MB/s {:>12.0} employees/s   peak heap above input {:>6.2} MB ({:.2}x response; with the response body {:.2}x)",
            t.as_secs_f64() * 1e3,
            mb / t.as_secs_f64(),
            EMPLOYEES as f64 / t.as_secs_f64(),
            peak as f64 / 1e6,
            peak as f64 / xml.len() as f64,
            (peak + xml.len()) as f64 / xml.len() as f64,
        );
    };
    println!("response: {EMPLOYEES} employees, {mb:.2} MB; best of {runs} runs");
    row("bare quick-xml scan", scan_t, scan_peak);
    row("reader walk, no records", walk_t, walk_peak);
    row("typed parse", parse_t, parse_peak);
    println!("typed parse / bare scan: {:.2}x", parse_t.as_secs_f64() / scan_t.as_secs_f64());
}
