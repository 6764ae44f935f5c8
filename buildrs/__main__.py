import sys

from buildrs.cli.main import main

sys.exit(main())
