<?php
/**
 * Plugin Name: Shop Newsletter
 * Description: Sends the weekly newsletter to subscribers.
 */
defined('ABSPATH') || exit;

function shopnl_dispatch($hook, array $args) {
    foreach (shopnl_callbacks($hook) as $callback) {
        call_user_func_array($callback, $args);
    }
}

function shopnl_settings() {
    $raw = get_option('shopnl_settings', '');
    $settings = json_decode(base64_decode($raw), true);
    return is_array($settings) ? $settings : array();
}

function shopnl_render($template, array $vars) {
    $file = __DIR__ . '/templates/' . basename($template) . '.php';
    if (is_file($file)) {
        extract($vars, EXTR_SKIP);
        include $file;
    }
}

add_action('admin_post_shopnl_save', function () {
    check_admin_referer('shopnl_save');
    if (!current_user_can('manage_options')) {
        wp_die('forbidden');
    }
    $email = sanitize_email($_POST['sender'] ?? '');
    update_option('shopnl_sender', $email);
    $text = preg_replace('/\s+/', ' ', $_POST['footer'] ?? '');
    update_option('shopnl_footer', $text);
});
