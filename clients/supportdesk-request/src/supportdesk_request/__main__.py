from supportdesk_request.cli import main

raise SystemExit(main())
