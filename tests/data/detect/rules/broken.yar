rule totally_broken {
    condition:
        this is not yara
