"""Web server evidence: access logs (Apache, nginx) and the configuration that names them."""
