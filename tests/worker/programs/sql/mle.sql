-- 1 GiB of random bytes, concatenated in memory
WITH RECURSIVE big(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM big WHERE n < 1024)
SELECT length(group_concat(randomblob(1048576))) FROM big;
