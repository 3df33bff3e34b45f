using System.Security.Cryptography;
using OpsRunbooks.IO;

namespace OpsRunbooks.Encryption;

/// <summary>
/// The encrypted body of a Symmetrically Encrypted Integrity Protected Data packet (RFC 4880 5.13):
/// AES in CFB mode from a zero IV over a random prefix, the data, and a closing Modification Detection
/// Code (SHA-1). It uses the platform's AES and SHA-1, which run several times faster than managed code.
/// </summary>
internal sealed class AesCfbEncryptingStream : WriteOnlyStream
{
    private const int BlockSize = 16;
    private const int BufferSize = 1 << 16;

    private readonly Stream _output;
    private readonly Aes _aes;
    private readonly IncrementalHash _mdc = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
    private readonly byte[] _plain = new byte[BufferSize];
    private readonly byte[] _cipher = new byte[BufferSize];
    private readonly byte[] _iv = new byte[BlockSize];
    private int _filled;
    private bool _finished;

    public AesCfbEncryptingStream(Stream output, byte[] sessionKey)
    {
        _output = output;
        _aes = Aes.Create();
        _aes.Key = sessionKey;
        var prefix = new byte[BlockSize + 2];
        RandomNumberGenerator.Fill(prefix.AsSpan(0, BlockSize));
        prefix[BlockSize] = prefix[BlockSize - 2];
        prefix[BlockSize + 1] = prefix[BlockSize - 1];
        Write(prefix);
    }

    public override void Write(ReadOnlySpan<byte> data)
    {
        _mdc.AppendData(data);
        Append(data);
    }

    /// <summary>Appends the Modification Detection Code packet and encrypts what is left.</summary>
    public void Finish()
    {
        if (_finished) return;
        _finished = true;
        ReadOnlySpan<byte> mdcHeader = [0xD3, 0x14];
        _mdc.AppendData(mdcHeader);
        Append(mdcHeader);
        Append(_mdc.GetHashAndReset());
        var whole = _filled - _filled % BlockSize;
        EncryptAndWrite(whole);
        var rest = _filled;
        if (rest > 0)
        {
            // CFB's last, short block: the keystream block XORed with the bytes that are left.
            Span<byte> padded = stackalloc byte[BlockSize];
            _plain.AsSpan(0, rest).CopyTo(padded);
            Span<byte> encrypted = stackalloc byte[BlockSize];
            _aes.EncryptCfb(padded, _iv, encrypted, PaddingMode.None, feedbackSizeInBits: 128);
            _output.Write(encrypted[..rest]);
        }
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        while (data.Length > 0)
        {
            var take = Math.Min(data.Length, BufferSize - _filled);
            data[..take].CopyTo(_plain.AsSpan(_filled));
            _filled += take;
            data = data[take..];
            if (_filled == BufferSize) EncryptAndWrite(BufferSize);
        }
    }

    /// <summary>Encrypts the first <paramref name="length"/> buffered bytes (whole blocks) and keeps the rest.</summary>
    private void EncryptAndWrite(int length)
    {
        if (length == 0) return;
        _aes.EncryptCfb(_plain.AsSpan(0, length), _iv, _cipher.AsSpan(0, length), PaddingMode.None, feedbackSizeInBits: 128);
        _cipher.AsSpan(length - BlockSize, BlockSize).CopyTo(_iv);
        _output.Write(_cipher, 0, length);
        _plain.AsSpan(length, _filled - length).CopyTo(_plain);
        _filled -= length;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _aes.Dispose();
            _mdc.Dispose();
        }
        base.Dispose(disposing);
    }
}
