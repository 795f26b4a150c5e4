"""One module per `musekit` subcommand: HELP, register(parser), run(args) -> int.
Only stdlib imports at module level; heavy imports go inside run()."""
