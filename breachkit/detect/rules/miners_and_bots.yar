/*
 * Dropped tools: cryptocurrency miners, DoS/flood bots and IRC-controlled bots.
 *
 * Written for breachkit. Miners give themselves away by pool protocol and
 * configuration keys (https://xmrig.com/docs/miner/config); flood bots of the
 * Kaiten/Tsunami/Gafgyt/Mirai lineage by their attack command names and IRC
 * control strings.
 */

rule cryptominer
{
    meta:
        description = "cryptocurrency miner: mining pool protocol, miner configuration or known miner names"
        family = "miner"
        score = 80
    strings:
        $stratum = /stratum\+(tcp|ssl|tls):\/\// nocase
        $k1 = "\"donate-level\"" ascii
        $k2 = "--donate-level" ascii
        $k3 = "xmrig" nocase
        $k4 = "cryptonight" nocase
        $k5 = "randomx" nocase
        $k6 = "\"nicehash\"" ascii
        $pool1 = "supportxmr.com" nocase
        $pool2 = "minexmr.com" nocase
        $pool3 = "nanopool.org" nocase
        $pool4 = "moneroocean.stream" nocase
        $pool5 = "2miners.com" nocase
        $pool6 = "hashvault.pro" nocase
    condition:
        $stratum or any of ($pool*) or 3 of ($k*)
}

rule flood_bot
{
    meta:
        description = "DoS bot: flood attack commands (UDP/SYN/ACK/HTTP floods) and remote control strings"
        family = "dos-bot"
        score = 85
    strings:
        $f1 = "udpflood" nocase
        $f2 = "synflood" nocase
        $f3 = "ackflood" nocase
        $f4 = "httpflood" nocase
        $f5 = "tcpflood" nocase
        $f6 = "std flood" nocase
        $f7 = "KILLATTK" ascii
        $f8 = "GETSPOOFS" ascii
        $f9 = "attack_udp" ascii
        $f10 = "attack_tcp_syn" ascii
        $f11 = "/bin/busybox MIRAI" ascii
        $f12 = "HTTP flood" nocase
        $f13 = "UDP flood" nocase
        $f14 = "SYN flood" nocase
        $irc1 = "PRIVMSG " ascii
        $irc2 = "NICK " ascii
        $irc3 = "JOIN #" ascii
        $irc4 = "PONG " ascii
    condition:
        2 of ($f*) or (1 of ($f*) and 2 of ($irc*))
}

rule irc_bot_script
{
    meta:
        description = "script that connects to IRC and runs the commands it receives (Perl/PHP/Python bots)"
        family = "irc-bot"
        score = 80
    strings:
        $irc1 = "PRIVMSG" ascii
        $irc2 = /NICK\s/
        $irc3 = /JOIN\s+[#&]/
        $run = /(system|exec|shell_exec|passthru|popen|qx|os\.system|subprocess)\s*[\(\{`]/
        $sock = /(IO::Socket::INET|fsockopen|socket\.socket|socket\s*\()/
    condition:
        filesize < 500KB and all of ($irc*) and $run and $sock
}

rule watchdog_launcher
{
    meta:
        description = "shell script that restarts a program in the background when it is not running, output hidden: how dropped bots and miners survive"
        family = "launcher"
        score = 60
    strings:
        $check = /(pgrep|pidof|ps\s+(aux|-ef|ax)[^\n]{0,40}grep)\s/
        $bg = /nohup\s[^\n]{0,160}>\s*\/dev\/null[^\n]{0,20}&/
        $tmp = /(\/tmp\/|\/var\/tmp\/|\/dev\/shm\/|cd\s+\/tmp|\.\/[A-Za-z0-9_.\-]+\s)/
    condition:
        filesize < 50KB and $check and $bg and $tmp
}
