from station.cli import console_main

console_main()
