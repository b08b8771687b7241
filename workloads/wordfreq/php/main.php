<?php
// wordfreq workload for the PHP CLI (see workloads/wordfreq/README.md).

declare(strict_types=1);

require __DIR__ . '/runner.php';

const MODULUS = 2147483647;
const MULTIPLIER = 48271;
// Indexed by next() mod 20: ". " for 0, ", " for 1, newline for 2, else a space.
const SEPARATORS = ['. ', ', ', "\n", ' ', ' ', ' ', ' ', ' ', ' ', ' ',
                    ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '];

function run(BmParams $params): string
{
    $seed = $params->int('seed');
    $nvocab = $params->int('vocab');
    $nwords = $params->int('words');

    // PHP ints are 64-bit and state * 48271 < 2^47, so % is exact. The generator
    // is inlined because a PHP function call per draw would dominate.
    $state = $seed;

    $vocab = [];
    for ($i = 0; $i < $nvocab; $i++) {
        $state = $state * MULTIPLIER % MODULUS;
        $len = 2 + $state % 7;
        $w = '';
        for ($k = 0; $k < $len; $k++) {
            $state = $state * MULTIPLIER % MODULUS;
            $w .= chr(97 + $state % 26);
        }
        $vocab[] = $w;
    }

    // Appending to a string held only here grows it in place (amortised O(1)).
    $text = '';
    for ($k = 0; $k < $nwords; $k++) {
        $state = $state * MULTIPLIER % MODULUS;
        $r = $state % $nvocab;
        $state = $state * MULTIPLIER % MODULUS;
        $w = $vocab[intdiv($r * ($state % $nvocab), $nvocab)];
        $state = $state * MULTIPLIER % MODULUS;
        $c = $state % 10;
        if ($c === 0) {
            $w = strtoupper($w);
        } elseif ($c === 1) {
            // ucfirst is ASCII-only (locale-independent) since PHP 8.2.
            $w = ucfirst($w);
        }
        $state = $state * MULTIPLIER % MODULUS;
        $text .= $w . SEPARATORS[$state % 20];
    }

    // strtolower is ASCII-only since PHP 8.2, which is what the README asks for.
    $words = preg_split('/[^a-z]+/', strtolower($text), -1, PREG_SPLIT_NO_EMPTY);
    $total = count($words);
    // array_count_values is PHP's built-in hash-map word count. Words are
    // letters only, so no key is turned into an int.
    $counts = array_count_values($words);
    unset($words);

    uksort($counts, static fn(string $a, string $b): int => $counts[$b] <=> $counts[$a] ?: strcmp($a, $b));

    $out = '';
    $shown = 0;
    foreach ($counts as $w => $n) {
        if ($shown++ === 10) {
            break;
        }
        $out .= "$w $n\n";
    }

    $checksum = 0;
    foreach ($counts as $w => $n) {
        $h = 0;
        $len = strlen($w);
        for ($i = 0; $i < $len; $i++) {
            $h += ($i + 1) * (ord($w[$i]) - 96);
        }
        $checksum = ($checksum + $n * $h) % 1000000007;
    }

    return $out . 'distinct ' . count($counts) . "\ntotal $total\nchecksum $checksum\n";
}

bm_main('run');
