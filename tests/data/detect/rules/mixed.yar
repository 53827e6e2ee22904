rule user_good_marker
{
    meta:
        description = "test marker from a user rule file"
    strings:
        $m = "BREACHKIT-TEST-MARKER"
    condition:
        $m
}

rule user_broken
{
    strings:
        $a = "x"
    condition:
        $b
}

rule user_external_owner
{
    meta:
        score = 40
    condition:
        filename == "marker.txt" and extension == "txt" and owner == "root" and filetype == "text"
}
