//! The REST client's line writes against the simulator: in-place updates (`ComponentUpdates`),
//! deletes of missing lines, and both readings of a second variable-days POST.

use super::*;

/// The export's in-place capability on the REST edge (CONTRACT §5.3): `ComponentUpdates` changes
/// the value of a line by its neutral ids, keeping its code and its comment (the worker's
/// marker), in the period named; a closed period with `unprotectedMode`; a SOAP id is refused
/// before any call.
#[tokio::test]
async fn component_updates_change_a_line_in_place_keeping_code_and_marker() {
    let w = World::new(GrantSpec::default()).await;
    let (c, jan) = (&w.client, w.employee(JAN));
    let updates: &dyn ComponentUpdates = c;
    let marker = "[EJ-7K3QX9M2A4PBR] Eitje hours export";
    let id = c.insert_variable_hours(jan, &line(1, "6", marker), NOVEMBER, false).await.unwrap();
    let hours = |v: &str| NewHourComponent {
        hour_code: HourCode(1),
        hours: Hours(dec(v)),
        cost_center_id: None,
        cost_unit_id: None,
        comment: None,
    };
    let (employee, line_id) = (EmployeeId::from(jan), HourComponentId::from(id));
    updates.update_hour_component(employee, line_id, &hours("9.25"), NOVEMBER.protected()).await.unwrap();
    let read = c.variable_hours(jan, NOVEMBER).await.unwrap().items;
    assert_eq!(read.len(), 1, "the same line, not a second one");
    assert_eq!(
        (read[0].id, read[0].hours.0, read[0].comment.as_deref()),
        (HourComponentId::from(id), dec("9.25"), Some(marker))
    );
    // Repeating the same update changes nothing (repeat-safe).
    updates.update_hour_component(employee, line_id, &hours("9.25"), NOVEMBER.protected()).await.unwrap();
    assert_eq!(w.hours_lines(JAN, NOVEMBER), vec![(1, dec("9.25"))]);

    let wage = NewWageLine { code: WageCode(410), value: Amount(dec("12.40")), comment: Some(marker.into()) };
    let wid = c.insert_variable_wage(jan, &wage, NOVEMBER, false).await.unwrap();
    let value = NewWageComponent {
        code: WageCode(410),
        value: Amount(dec("10")),
        cost_center_id: None,
        cost_unit_id: None,
        comment: None,
    };
    updates.update_wage_component(employee, WageComponentId::from(wid), &value, NOVEMBER.protected()).await.unwrap();
    let lines = w.sim.wage_components(DOMAIN, JAN, NOVEMBER);
    assert_eq!(lines.iter().map(|l| (l.code, l.value.0)).collect::<Vec<_>>(), vec![(410, dec("10"))]);

    // A closed period: refused protected, set to 0 with unprotectedMode (how a closed bucket empties).
    let october = PayPeriod::new(2026, 10);
    let closed =
        HourComponentId::from(c.insert_variable_hours(jan, &line(20, "3", marker), october, true).await.unwrap());
    let zero = NewHourComponent { hour_code: HourCode(20), ..hours("0") };
    let refused = updates.update_hour_component(employee, closed, &zero, october.protected()).await.unwrap_err();
    assert_eq!(refused.nmbrs_code(), Some(40033), "{refused}");
    updates.update_hour_component(employee, closed, &zero, october.unprotected()).await.unwrap();
    assert_eq!(w.hours_lines(JAN, october), vec![(20, Decimal::ZERO)]);

    // SOAP integer ids never reach the REST face.
    let puts = w.outcomes(RestOperation::HoursPut).len();
    let soap = updates.update_hour_component(EmployeeId::int(JAN), line_id, &hours("1"), NOVEMBER.protected()).await;
    assert_eq!(soap.unwrap_err().kind(), ErrorKind::UnknownEmployee);
    let soap =
        updates.update_hour_component(employee, HourComponentId::int(7), &hours("1"), NOVEMBER.protected()).await;
    assert_eq!(soap.unwrap_err().kind(), ErrorKind::InvalidData, "a SOAP line id: the bucket is refused");
    assert_eq!(w.outcomes(RestOperation::HoursPut).len(), puts, "no call made");
    w.assert_valid_traffic();
}

#[tokio::test]
async fn deleting_a_missing_component_is_done() {
    let w = World::new(GrantSpec::default()).await;
    let (c, jan) = (&w.client, w.employee(JAN));
    let unknown = HourComponentUuid(Uuid::new_v4());
    assert_eq!(c.delete_variable_hours(jan, unknown).await.unwrap(), Deleted::AlreadyGone);
    assert_eq!(c.delete_variable_wage(jan, WageComponentUuid(Uuid::new_v4())).await.unwrap(), Deleted::AlreadyGone);
    // A delete whose reply was lost is repeated; the repeat finds it gone: done.
    let id = c.insert_variable_hours(jan, &line(1, "2", "eitje:intent-1"), NOVEMBER, false).await.unwrap();
    w.inject(RestOperation::HoursDelete, RestInjected::LostReply);
    assert_eq!(c.delete_variable_hours(jan, id).await.unwrap(), Deleted::AlreadyGone);
    assert!(w.hours_lines(JAN, NOVEMBER).is_empty());
    assert_eq!(
        w.outcomes(RestOperation::HoursDelete),
        ["error:40401", "injected:lost_reply", "error:40401"].map(String::from)
    );
    // An unknown employee is not "done": it is named.
    let e = c.variable_hours(EmployeeUuid(Uuid::new_v4()), NOVEMBER).await.unwrap_err();
    assert_eq!((e.kind(), e.nmbrs_code()), (ErrorKind::UnknownEmployee, Some(40401)));
    w.assert_valid_traffic();
}

#[tokio::test]
async fn both_days_post_behaviours_are_readable() {
    for (behaviour, expected) in [(DaysPost::Replace, 5), (DaysPost::Add, 8)] {
        let w = World::new(GrantSpec::default()).await;
        w.sim.set_rest_settings(RestSettings { days_post: behaviour, ..Default::default() });
        let (c, jan) = (&w.client, w.employee(JAN));
        c.post_variable_days(jan, 3, NOVEMBER, false).await.unwrap();
        c.post_variable_days(jan, 5, NOVEMBER, false).await.unwrap();
        let days = c.variable_days(jan, NOVEMBER).await.unwrap();
        assert_eq!(days.total(), expected, "{behaviour:?}");
        assert_eq!(w.sim.days(DOMAIN, JAN, NOVEMBER), Some(expected), "{behaviour:?}: the read shows what Nmbrs holds");
        w.assert_valid_traffic();
    }
}
