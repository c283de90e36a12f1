from privaudit.cli import main

raise SystemExit(main())
