"""The officer's review console (`mesa consola`): a small web application served by the project,
Starlette with server-rendered Jinja pages, no JavaScript."""
