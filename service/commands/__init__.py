"""`qunguard` subcommands beyond classify and serve, one module each; cli.py registers them."""
