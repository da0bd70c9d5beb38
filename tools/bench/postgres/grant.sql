-- The GOO norm amount of municipality :m (number) in spending year :y, the ledger's trace node
-- grant/a/norm: each location's realised places per day, the latest declaration (by received
-- date, then sequence) winning day by day, corrected declarations left out, times the norm of
-- that day (0 outside the spending period).
SELECT coalesce(sum(d.places * n.cents), 0) AS cents
FROM (
  SELECT DISTINCT ON (x.location, day.day) x.location, day.day::date AS day, x.places
  FROM (
    SELECT e.seq,
           p ->> 'locationId' AS location,
           (p ->> 'places')::bigint AS places,
           make_date((p #>> '{receivedDate,year}')::int, (p #>> '{receivedDate,month}')::int,
                     (p #>> '{receivedDate,day}')::int) AS received,
           make_date((p #>> '{period,firstDay,year}')::int, (p #>> '{period,firstDay,month}')::int,
                     (p #>> '{period,firstDay,day}')::int) AS first_day,
           make_date((p #>> '{period,lastDay,year}')::int, (p #>> '{period,lastDay,month}')::int,
                     (p #>> '{period,lastDay,day}')::int) AS last_day
    FROM events e, LATERAL (SELECT e.body -> 'gooPlacesDeclared') AS g(p)
    WHERE e.stream = 'municipality/GM' || lpad((:m)::text, 4, '0')
      AND e.body ? 'gooPlacesDeclared'
      AND NOT EXISTS (SELECT 1 FROM events c
                      WHERE c.body ? 'supersedesEventId'
                        AND c.body ->> 'supersedesEventId' = e.event_id)
  ) x,
  LATERAL generate_series(greatest(x.first_day, make_date(:y, 1, 1)),
                          least(x.last_day, make_date(:y, 12, 31)), interval '1 day') AS day(day)
  ORDER BY x.location, day.day, x.received DESC, x.seq DESC
) d
JOIN goo_norm n ON n.day = d.day;
