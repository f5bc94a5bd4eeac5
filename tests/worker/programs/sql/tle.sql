WITH RECURSIVE forever(n) AS (SELECT 0 UNION ALL SELECT (n + 1) % 1000 FROM forever)
SELECT count(*) FROM forever;
