select coalesce(channel, agency) as channel, file_name, size_bytes, received_at
from submissions
