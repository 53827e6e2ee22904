/*
 * Files that do not belong where they are, and web-server handler tampering.
 *
 * Written for breachkit. Uses the externals breachkit defines for every scan
 * (filename, filepath, extension, filetype, owner; see
 * breachkit.detect.scanner.EXTERNALS). Handler tampering follows the Apache
 * directives https://httpd.apache.org/docs/2.4/mod/mod_mime.html#addhandler and
 * PHP's INI settings https://www.php.net/manual/en/configuration.file.per-user.php
 */

rule elf_in_web_root
{
    meta:
        description = "a Linux executable (ELF) inside a web root: web sites do not ship binaries there"
        family = "elf-in-webroot"
        score = 75
    condition:
        uint32be(0) == 0x7F454C46 and
        filepath matches /^\/(var\/www|srv|usr\/share\/nginx\/html|home\/[^\/]+\/(public_html|www|htdocs))\//
}

rule elf_in_temp_folder
{
    meta:
        description = "a Linux executable in a world-writable temp folder (/tmp, /var/tmp, /dev/shm)"
        family = "elf-in-temp"
        score = 55
    condition:
        uint32be(0) == 0x7F454C46 and filepath matches /^\/(tmp|var\/tmp|dev\/shm)\//
}

rule htaccess_handler_for_non_scripts
{
    meta:
        description = ".htaccess/Apache configuration that makes images or text files run as PHP or CGI"
        family = "handler-tampering"
        score = 80
    strings:
        $a = /(AddHandler|AddType)[ \t]+[^\r\n]{0,80}(php|x-httpd|cgi-script)[^\r\n]{0,80}\.(jpe?g|png|gif|ico|bmp|svg|txt|css|js|html?|pdf)\b/ nocase
        $b = /(AddHandler|AddType)[ \t]+[^\r\n]{0,80}\.(jpe?g|png|gif|ico|bmp|svg|txt|css|js|pdf)\b[^\r\n]{0,80}(php|x-httpd|cgi-script)/ nocase
        $c = /<Files(Match)?[ \t]+[^>\r\n]{0,80}(jpe?g|png|gif|ico|txt)[^>\r\n]{0,40}>\s*(SetHandler|ForceType)[ \t]+[^\r\n]{0,40}(php|x-httpd|cgi)/ nocase
    condition:
        any of them
}

rule htaccess_sethandler_everything
{
    meta:
        description = ".htaccess that makes every file in its folder run as PHP or CGI"
        family = "handler-tampering"
        score = 70
    strings:
        $set = /^[ \t]*(SetHandler|ForceType)[ \t]+[^\r\n]{0,40}(php|x-httpd|cgi-script)/ nocase
        $files = /<Files/ nocase
    condition:
        filename == ".htaccess" and $set and not $files
}

rule php_auto_prepend
{
    meta:
        description = "PHP setting that silently runs a file before or after every script (auto_prepend_file/auto_append_file)"
        family = "handler-tampering"
        score = 70
    strings:
        $htaccess = /php_(admin_)?value[ \t]+auto_(pre|ap)pend_file[ \t]+["']?[^\s"']+/ nocase
        $ini = /^[ \t]*auto_(pre|ap)pend_file[ \t]*=[ \t]*["']?[^\s"';]+/ nocase
        // Wordfence's firewall is installed this way on purpose
        $wordfence = "wordfence-waf.php"
        $none = /auto_(pre|ap)pend_file([ \t]*=[ \t]*|[ \t]+)("none"|'none'|none\b|""|'')/ nocase
    condition:
        ($htaccess or ($ini and (filename == ".user.ini" or filename == "php.ini" or filename == ".htaccess")))
        and not $wordfence and not $none
}
