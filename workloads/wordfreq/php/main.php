<?php
// wordfreq workload for the PHP CLI (see workloads/wordfreq/README.md).

declare(strict_types=1);

require __DIR__ . '/runner.php';

const MODULUS = 2147483647;
const MULTIPLIER = 48271;
// Indexed by next() mod 20: ". " for 0, ", " for 1, newline for 2, else a space.
const SEPARATORS = ['. ', ', ', "\n", ' ', ' ', ' ', ' ', ' ', ' ', ' ',
                    ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '];

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

function generate(int $seed, int $nvocab, int $nwords): string
{
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
    return $text;
}

/**
 * The generated text is the read-only input: made on the first call, kept for the next calls
 * with the same parameters (README: "What is measured").
 */
function corpus(int $seed, int $nvocab, int $nwords): string
{
    static $key = null;
    static $text = '';
    if ($key !== [$seed, $nvocab, $nwords]) {
        $text = generate($seed, $nvocab, $nwords);
        $key = [$seed, $nvocab, $nwords];
    }
    return $text;
}

function run(BmParams $params): string
{
    // strtolower is ASCII-only since PHP 8.2, which is what the README asks for.
    $lower = strtolower(corpus($params->int('seed'), $params->int('vocab'), $params->int('words')));

    // Counted while scanning (README: no array of all the words): strcspn skips the
    // separators, strspn measures the word, and each word goes into the array (PHP's hash
    // map) at once. Words are letters only, so no key is turned into an int.
    $counts = [];
    $total = 0;
    $length = strlen($lower);
    $i = strcspn($lower, LETTERS);
    while ($i < $length) {
        $len = strspn($lower, LETTERS, $i);
        $w = substr($lower, $i, $len);
        $counts[$w] = ($counts[$w] ?? 0) + 1;
        $total++;
        $i += $len;
        $i += strcspn($lower, LETTERS, $i);
    }

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
