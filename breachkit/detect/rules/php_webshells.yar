/*
 * PHP webshells and backdoors: code that runs what a web request sends.
 *
 * Written for breachkit. Each rule names the technique it covers (meta
 * "family"), so a miss or a false positive can be traced to one pattern.
 * Scores (0-100) are the rule's own weight before context (upload folder,
 * owner, birth time) is added by breachkit.detect.context.
 * Techniques follow the families documented by PHP Malware Finder and
 * the public webshell corpora (https://github.com/jvoisin/php-malware-finder).
 */

private rule php_code
{
    strings:
        $open = "<?php" nocase
        $short = "<?="
    condition:
        $open or $short
}

rule php_eval_of_request
{
    meta:
        description = "evaluates code taken from the request (eval/assert of $_GET, $_POST, $_COOKIE ...)"
        family = "eval-request"
        score = 90
    strings:
        $a = /\b(eval|assert)\s*\(\s*[^;]{0,120}\$_(GET|POST|REQUEST|COOKIE|SERVER|FILES)\b/ nocase
        $b = /\b(eval|assert)\s*\(\s*[^;]{0,120}(php:\/\/input|getallheaders\s*\(|apache_request_headers\s*\()/ nocase
    condition:
        php_code and any of them
}

rule php_exec_of_request
{
    meta:
        description = "runs a shell command taken straight from the request"
        family = "command-request"
        score = 90
    strings:
        $a = /\b(system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec)\s*\(\s*@?\s*(base64_decode\s*\(\s*|stripslashes\s*\(\s*|urldecode\s*\(\s*)?\$_(GET|POST|REQUEST|COOKIE|SERVER)\s*\[/ nocase
        // in code position only: a backticked `$_POST['x']` in a doc comment is documentation
        $tick = /(=|echo|print|return|\(|<\?=|;)\s*`[^`\n]{0,40}\$_(GET|POST|REQUEST|COOKIE)\s*\[[^`\n]{0,60}`/
    condition:
        php_code and any of them
}

rule php_variable_function_call
{
    meta:
        description = "calls a function whose name is built at run time on request data (hides system/eval from plain searches)"
        family = "variable-function"
        score = 80
    strings:
        // $_GET['f']($_GET['c'])
        $sg = /\$_(GET|POST|REQUEST|COOKIE)\s*\[[^\]]{1,40}\]\s*\(/
        // $f($_REQUEST['cmd']) where $f was glued together from pieces
        $call = /@?\$[A-Za-z_][A-Za-z0-9_]{0,30}\s*\(\s*@?\$_(GET|POST|REQUEST|COOKIE)\s*\[/
        // 'sy' . 'st' . 'em' — written with the literal joints so the scan stays fast
        $glue1 = /[a-z_]{1,5}' \. '[a-z_]{1,5}/ nocase
        $glue2 = /[a-z_]{1,5}'\.'[a-z_]{1,5}/ nocase
        $glue3 = /[a-z_]{1,5}" \. "[a-z_]{1,5}/ nocase
        $glue4 = /[a-z_]{1,5}"\."[a-z_]{1,5}/ nocase
        $decoded_name = /\$[A-Za-z_][A-Za-z0-9_]{0,30}\s*=\s*(str_rot13|strrev|base64_decode|hex2bin|chr)\s*\(/ nocase
    condition:
        php_code and ($sg or ($call and (any of ($glue*) or $decoded_name)))
}

rule php_decode_and_eval
{
    meta:
        description = "evaluates code hidden by decoding, decompressing or reversing it"
        family = "encoded-eval"
        score = 80
    strings:
        $a = /\b(eval|assert)\s*\(\s*@?\s*(gzinflate|gzuncompress|gzdecode|str_rot13|base64_decode|strrev|hex2bin|convert_uudecode|rawurldecode)\s*\(/ nocase
        $b = /\b(eval|assert)\s*\(\s*@?\s*\$[A-Za-z_][A-Za-z0-9_]{0,30}\s*\(\s*(strrev|str_rot13|base64_decode|gzinflate)?\s*\(?\s*\$/ nocase
    condition:
        php_code and any of them
}

rule php_obfuscated_function_names
{
    meta:
        description = "names of decoding functions written reversed, rot13-encoded or hex-escaped to hide them"
        family = "obfuscation"
        score = 75
    strings:
        $rev_b64 = "edoced_46esab" nocase
        $rot_b64 = "onfr64_qrpbqr" nocase
        $rotrev_b64 = "rqbprq_46rfno" nocase
        $rev_gz = "etalfnizg" nocase
        $rot_gz = "tmvasyngr" nocase
        $rev_eval = "'lave'"
        $hex_eval = "\\x65\\x76\\x61\\x6c" nocase
        $hex_b64 = "\\x62\\x61\\x73\\x65\\x36\\x34" nocase
        $hex_system = "\\x73\\x79\\x73\\x74\\x65\\x6d" nocase
        $oct_eval = "\\145\\166\\141\\154"
    condition:
        php_code and any of them
}

rule php_create_function_request
{
    meta:
        description = "builds a function from request data with create_function (an eval in disguise)"
        family = "create-function"
        score = 85
    strings:
        $a = /create_function\s*\([^;]{0,200}\$_(GET|POST|REQUEST|COOKIE|SERVER)/ nocase
        $b = /create_function\s*\(\s*['"]['"]\s*,\s*@?\s*(base64_decode|gzinflate|str_rot13|strrev)\s*\(/ nocase
    condition:
        php_code and any of them
}

rule php_preg_replace_eval
{
    meta:
        description = "preg_replace with the /e modifier runs the replacement as PHP code"
        family = "preg-replace-e"
        score = 75
    strings:
        $a = /preg_replace\s*\(\s*['"]([^'"\n]{0,200})\/[imsxADSUXJu]{0,8}e[imsxADSUXJu]{0,8}['"]\s*,/
        $b = /preg_replace\s*\(\s*['"]([^'"\n]{0,200})#[imsxADSUXJu]{0,8}e[imsxADSUXJu]{0,8}['"]\s*,/
        $r = /\$_(GET|POST|REQUEST|COOKIE)/
    condition:
        php_code and ($a or $b) and $r
}

rule php_callback_with_request
{
    meta:
        description = "hands request data to a callback runner (call_user_func, array_map, usort, register_shutdown_function ...)"
        family = "callback-request"
        score = 80
    strings:
        // callback-first functions: the request names the function to call
        $a = /\b(call_user_func(_array)?|forward_static_call(_array)?|array_map|register_shutdown_function|register_tick_function)\s*\(\s*@?\$_(GET|POST|REQUEST|COOKIE)\s*\[/ nocase
        // array-first functions: the callback is the second argument
        $c = /\b(array_filter|array_walk|usort|uasort|uksort|array_reduce)\s*\([^,;]{1,80},\s*@?\$_(GET|POST|REQUEST|COOKIE)\s*\[/ nocase
        $b = /\b(call_user_func(_array)?|array_map|array_filter)\s*\(\s*['"](assert|system|exec|passthru|shell_exec)['"]\s*,[^;]{0,80}\$_(GET|POST|REQUEST|COOKIE)/ nocase
    condition:
        php_code and any of them
}

rule php_include_from_request
{
    meta:
        description = "includes a file named by the request, a remote URL or an uploaded temporary file"
        family = "include-request"
        score = 85
    strings:
        $req = /\b(include|require)(_once)?\s*\(?\s*@?\s*\$_(GET|POST|REQUEST|COOKIE|FILES)\s*\[/ nocase
        $remote = /\b(include|require)(_once)?\s*\(?\s*['"](https?|ftp|expect):\/\// nocase
        $upload = /\b(include|require)(_once)?\s*\(?\s*\$_FILES\s*\[[^\]]{1,40}\]\s*\[\s*['"]tmp_name/ nocase
    condition:
        php_code and any of them
}

rule php_known_webshell_kits
{
    meta:
        description = "markers of well-known webshell kits (WSO, c99, r57, b374k, FilesMan, Alfa, IndoXploit ...)"
        family = "webshell-kit"
        score = 95
    strings:
        $a1 = "FilesMan" fullword
        $a2 = "c99shell" nocase
        $a3 = "r57shell" nocase
        $a4 = "b374k" nocase
        $a5 = "WSO " fullword
        $a6 = "Web Shell by" nocase
        $a7 = "AlfaTeam" nocase
        $a8 = "IndoXploit" nocase
        $a9 = "Uname:" fullword
        $a10 = "Safe mode:" nocase
        $a11 = "Back-connect" nocase
        $a12 = "Bind port" nocase
        $a14 = "posix_getpwuid" nocase
    condition:
        php_code and (any of ($a1, $a2, $a3, $a4, $a7, $a8) or 3 of ($a5, $a6, $a9, $a10, $a11, $a12, $a14))
}

rule php_password_file_manager
{
    meta:
        description = "a password-protected file manager / command page: password check on request data plus file and system operations"
        family = "file-manager"
        score = 80
    strings:
        $auth1 = /(md5|sha1|crypt|hash)\s*\(\s*\$_(POST|GET|REQUEST|COOKIE)\s*\[[^\]]{1,30}\]\s*\)\s*[!=]==?\s*['"][0-9a-f]{32,64}['"]/ nocase
        $auth2 = /\$_(POST|GET|REQUEST|COOKIE)\s*\[[^\]]{1,30}\]\s*[!=]==?\s*['"][^'"]{3,64}['"]\s*\)\s*\{?\s*(die|exit|header)/ nocase
        $auth3 = /['"][0-9a-f]{32}['"]\s*[!=]==?\s*(md5|sha1)\s*\(\s*\$_(POST|GET|REQUEST|COOKIE)/ nocase
        $op1 = "move_uploaded_file" nocase
        $op2 = "unlink(" nocase
        $op3 = "file_put_contents" nocase
        $op4 = "chmod(" nocase
        $op5 = /scandir|opendir/ nocase
        $op6 = /shell_exec|passthru|proc_open|popen\s*\(|system\s*\(/ nocase
        $op7 = "php_uname" nocase
        $op8 = "rmdir(" nocase
    condition:
        php_code and any of ($auth*) and 3 of ($op*)
}

rule php_upload_dropper
{
    meta:
        description = "a tiny uploader: writes an uploaded or posted file to disk with no checks"
        family = "uploader"
        score = 65
    strings:
        $a = /move_uploaded_file\s*\(\s*\$_FILES\s*\[[^\]]{1,40}\]\s*\[\s*['"]tmp_name['"]\s*\]\s*,\s*\$_FILES\s*\[[^\]]{1,40}\]\s*\[\s*['"]name['"]\s*\]/ nocase
        $b = /(file_put_contents|fwrite)\s*\([^;]{0,80}\$_(GET|POST|REQUEST)\s*\[[^;]{0,80}\$_(GET|POST|REQUEST)\s*\[/ nocase
    condition:
        php_code and filesize < 20KB and any of them
}

rule php_one_liner
{
    meta:
        description = "a very small PHP file whose only job is to run request data"
        family = "one-liner"
        score = 85
    strings:
        $req = /\$_(GET|POST|REQUEST|COOKIE|SERVER)\s*\[/
        $run = /\b(eval|assert|system|exec|shell_exec|passthru|popen|proc_open|create_function|call_user_func)\s*\(/ nocase
        $tick = /`\s*\$_(GET|POST|REQUEST)/
    condition:
        php_code and filesize < 400 and (($req and $run) or $tick)
}

rule php_long_encoded_payload
{
    meta:
        description = "a long encoded blob next to a decoder and eval: a packed webshell"
        family = "encoded-eval"
        score = 70
    strings:
        $blob = /(base64_decode|gzinflate|gzuncompress|str_rot13)\s*\(\s*['"][A-Za-z0-9+\/=]{1500}/ nocase
        $eval = /\b(eval|assert|create_function)\s*\(/ nocase
    condition:
        php_code and $blob and $eval
}

rule php_in_image
{
    meta:
        description = "an image that carries PHP code (a polyglot made to pass an upload filter)"
        family = "polyglot-image"
        score = 85
    strings:
        $php = "<?php" nocase
        $short = /<\?=\s*[`$@a-z]/
        $halt = "__HALT_COMPILER" nocase
    condition:
        (uint16be(0) == 0xFFD8 or uint32be(0) == 0x89504E47 or uint32be(0) == 0x47494638 or uint16be(0) == 0x424D or uint32be(0) == 0x52494646)
        and any of them
}
