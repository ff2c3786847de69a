-- Whether an e-mail waits to be sent again: a feedback not delivered, a notice (with someone to
-- answer) not answered, a review decision's message (with an address) not sent.
select exists (select 1 from deliveries where delivered_at is null)
    or exists (select 1 from mail_notices where answered_at is null and sender <> '')
    or exists (select 1 from review_messages where delivered_at is null and recipients <> '')
