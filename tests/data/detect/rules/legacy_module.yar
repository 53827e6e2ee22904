import "magic"
rule needs_magic { condition: magic.mime_type() == "text/plain" }
