from dpo_tui.cli import main

raise SystemExit(main())
