using OpsRunbooks.IO;

namespace OpsRunbooks.Encryption;

/// <summary>
/// Writes the body of one OpenPGP packet of unknown length (RFC 4880 4.2.2.4): full chunks as
/// partial-body lengths of 64 KiB, the rest as a final definite length. The inner stream stays open.
/// </summary>
internal sealed class OpenPgpPacketStream : WriteOnlyStream
{
    private const int ChunkExponent = 16;
    private const int ChunkSize = 1 << ChunkExponent;

    private readonly Stream _output;
    private readonly byte[] _chunk = new byte[ChunkSize];
    private int _filled;
    private bool _finished;

    public OpenPgpPacketStream(Stream output, int tag)
    {
        _output = output;
        _output.WriteByte((byte)(0xC0 | tag));
    }

    public override void Write(ReadOnlySpan<byte> data)
    {
        while (data.Length > 0)
        {
            var take = Math.Min(data.Length, ChunkSize - _filled);
            data[..take].CopyTo(_chunk.AsSpan(_filled));
            _filled += take;
            data = data[take..];
            if (_filled == ChunkSize)
            {
                _output.WriteByte(0xE0 + ChunkExponent);
                _output.Write(_chunk);
                _filled = 0;
            }
        }
    }

    /// <summary>Writes the last chunk with its definite length; the packet is complete after it.</summary>
    public void Finish()
    {
        if (_finished) return;
        _finished = true;
        WriteLength(_output, _filled);
        _output.Write(_chunk, 0, _filled);
    }

    /// <summary>A new-format definite body length.</summary>
    public static void WriteLength(Stream output, int length)
    {
        if (length < 192)
        {
            output.WriteByte((byte)length);
        }
        else if (length < 8384)
        {
            output.WriteByte((byte)(((length - 192) >> 8) + 192));
            output.WriteByte((byte)((length - 192) & 0xFF));
        }
        else
        {
            output.WriteByte(0xFF);
            output.Write([(byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length]);
        }
    }
}
