-- Whose a submission is: an agency's page opens only its own.
select agency from submissions where submission_id = $submission_id
