from mtasts_tui.cli import main

raise SystemExit(main())
