/*
 * Reverse and bind shells: a shell wired to a network connection.
 *
 * Written for breachkit. Patterns from the usual one-liners (bash /dev/tcp,
 * nc -e, mkfifo pipes, socat, Python/Perl/PHP socket + dup2/pty); see
 * https://github.com/swisskyrepo/PayloadsAllTheThings (Reverse Shell Cheatsheet).
 */

rule reverse_shell_dev_tcp
{
    meta:
        description = "redirects a shell to a network connection through bash's /dev/tcp"
        family = "reverse-shell"
        score = 85
    strings:
        $a = /\/dev\/(tcp|udp)\/[A-Za-z0-9.\-\$\{\}]{1,64}\/[0-9\$\{\}A-Za-z]{1,8}/
        $sh = /(bash|sh|zsh|ksh|dash)\s+-[a-z]*i|0>&1|>&\s*\/dev\/(tcp|udp)/
    condition:
        $a and $sh
}

rule reverse_shell_netcat
{
    meta:
        description = "netcat/socat handing a shell to a network peer"
        family = "reverse-shell"
        score = 85
    strings:
        $nc_e = /\b(nc|ncat|netcat)(\.traditional|\.openbsd)?\s[^\n;|]{0,80}-[a-z]*[ec]\s*['"]?\/bin\/(ba|z|k|da)?sh/
        $fifo = /mkfifo\s[^\n]{0,80}\|\s*(\/bin\/)?(ba)?sh\s[^\n]{0,40}\|\s*(nc|ncat|netcat|openssl\s+s_client)/
        $fifo2 = /mknod\s[^\n]{0,40}\sp\s*[;&][^\n]{0,80}(nc|ncat|netcat|telnet)\s/
        $socat = /socat\s[^\n]{0,120}exec\s*:\s*['"]?(\/bin\/)?(ba|z)?sh/ nocase
    condition:
        any of them
}

rule reverse_shell_script_socket
{
    meta:
        description = "script that connects a socket and hands it a shell (Python, Perl, PHP, Ruby)"
        family = "reverse-shell"
        score = 85
    strings:
        $py_sock = "socket.socket(" ascii
        $py_dup = /os\.dup2\s*\(\s*\w+\.fileno\s*\(\s*\)\s*,\s*[012]\s*\)/
        $py_pty = /pty\.spawn\s*\(\s*['"](\/bin\/)?(ba)?sh/
        $py_sh = /subprocess\.(call|Popen)\s*\(\s*\[\s*['"]\/bin\/(ba)?sh['"]\s*,\s*['"]-i['"]/
        $pl_sock = /socket\s*\(\s*[A-Z]+\s*,\s*PF_INET/
        $pl_exec = /exec\s*\(?\s*['"]\/bin\/(ba)?sh\s+-i/
        $php_sock = /fsockopen\s*\(/ nocase
        $php_run = /(proc_open|shell_exec|exec|system|popen)\s*\(\s*['"](\/bin\/)?(ba)?sh\s+-i/ nocase
        $rb = /TCPSocket\.(new|open)\s*\([^)]{1,80}\)[^\n]{0,200}(exec|spawn|system)\s*[\(\s]['"]?(\/bin\/)?(ba)?sh/
    condition:
        filesize < 200KB and (
            ($py_sock and ($py_dup or $py_pty or $py_sh)) or
            ($pl_sock and $pl_exec) or
            ($php_sock and $php_run) or
            $rb
        )
}
