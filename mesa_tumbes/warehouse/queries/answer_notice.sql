-- The sender of a notice was answered ($answered_at), or the answer failed ($error).
update mail_notices set answered_at = $answered_at, last_error = $error where notice_id = $notice_id
