-- The month a file's name speaks of ("informe_octubre.csv"): for a file whose rows could not be
-- read, the month the reporting calendar counts it for (else the month before it arrived).
alter table submissions add column named_period varchar;
alter table failures add column named_period varchar;

comment on column submissions.named_period is 'Mes que nombra el archivo en su nombre (AAAA-MM), si lo nombra: el calendario cuenta por él un archivo ilegible. / The month the file name speaks of, if any.';
comment on column failures.named_period is 'Mes que nombra el archivo en su nombre (AAAA-MM), si lo nombra. / The month the file name speaks of, if any.';
