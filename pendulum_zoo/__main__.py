import sys

from pendulum_zoo.cli import main

sys.exit(main())
