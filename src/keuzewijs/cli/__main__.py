from keuzewijs.cli.app import main

main()
