-- every number of the input's lines into a table of a database file in /tmp, read back
ATTACH DATABASE '/tmp/numbers.db' AS scratch;
CREATE TABLE scratch.numbers(x INTEGER);
WITH RECURSIVE split(rest, word) AS (
    SELECT trim(line) || ' ', NULL FROM input
    UNION ALL
    SELECT ltrim(substr(rest, instr(rest, ' '))), substr(rest, 1, instr(rest, ' ') - 1)
    FROM split WHERE rest <> ''
)
INSERT INTO scratch.numbers SELECT CAST(word AS INTEGER) FROM split WHERE word <> '';
DETACH DATABASE scratch;
ATTACH DATABASE '/tmp/numbers.db' AS back;
SELECT count(*) || ' ' || sum(x) FROM back.numbers;
