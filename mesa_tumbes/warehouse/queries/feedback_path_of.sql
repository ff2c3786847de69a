-- Where a submission's feedback folder is, under the feedback root; with $agency, only when the
-- submission is that agency's (an agency's page opens only its own).
select feedback_path
from submissions
where submission_id = $submission_id and ($agency is null or agency = $agency)
