/*
 * Webshells in other server-side languages: JSP, ASP/ASP.NET, Perl CGI, Python.
 *
 * Written for breachkit. Same conventions as php_webshells.yar: meta
 * "family" names the technique, "score" (0-100) its weight before context.
 */

rule jsp_exec_of_request
{
    meta:
        description = "JSP page that runs a command or defines a class taken from the request"
        family = "jsp-webshell"
        score = 90
    strings:
        $exec = /Runtime\s*\.\s*getRuntime\s*\(\s*\)\s*\.\s*exec\s*\(\s*request\s*\.\s*getParameter/
        $pb = /new\s+ProcessBuilder\s*\([^;]{0,120}request\s*\.\s*getParameter/
        $cls = /defineClass\s*\([^;]{0,200}(decodeBuffer|Base64|getDecoder)/
        $jsp = "<%"
    condition:
        $jsp and any of ($exec, $pb, $cls)
}

rule asp_exec_of_request
{
    meta:
        description = "ASP/ASP.NET page that evaluates or runs request data"
        family = "asp-webshell"
        score = 90
    strings:
        $eval = /\b(eval|Execute|ExecuteGlobal)\s*\(\s*Request\s*(\.\s*(Item|Form|QueryString))?\s*[\(\[]/ nocase
        $proc = /Process\s*\.\s*Start\s*\([^;]{0,120}Request\s*[\.\[\(]/ nocase
        $wsh = /WScript\.Shell[^\n]{0,200}\.(Exec|Run)\s*\([^)]{0,60}Request/ nocase
        $asp = "<%"
    condition:
        $asp and any of ($eval, $proc, $wsh)
}

rule perl_cgi_exec_of_request
{
    meta:
        description = "Perl CGI script that runs request parameters as a shell command"
        family = "perl-webshell"
        score = 80
    strings:
        $perl = /#![ \t]*\S*perl/
        $cgi1 = /use\s+CGI\b/
        $cgi2 = "QUERY_STRING"
        $a = /\b(system|exec|qx)\s*[\(\{]?\s*[^;\n]{0,40}(param\s*\(|\$ENV\s*\{\s*['"]?QUERY_STRING)/
        $b = /`[^`\n]{0,20}\$(cmd|command|FORM\{[^}]{1,20}\})\b[^`\n]{0,20}`/
        $open = /open\s*\(\s*[A-Z]+\s*,\s*"[^"]{0,20}\$[a-z]+\s*\|"/
    condition:
        ($perl at 0 or $cgi1) and ($cgi1 or $cgi2) and ($a or $b or $open)
}

rule python_exec_of_request
{
    meta:
        description = "Python web script that runs request data as a command or code"
        family = "python-webshell"
        score = 80
    strings:
        $a = /(os\.system|os\.popen|subprocess\.(call|run|Popen|check_output)|eval|exec)\s*\(\s*[^)\n]{0,60}(request\.(args|form|values|GET|POST)|form\.getvalue|FieldStorage\s*\(\s*\)\s*\[)/
        $b = /(os\.system|os\.popen|subprocess\.\w+)\s*\(\s*(cmd|command)\s*[,)]/
        $c = /(cmd|command)\s*=\s*(request\.(args|form|values)\.get|form\.getvalue)\s*\(/
    condition:
        $a or ($b and $c)
}
